# The trail's tables refuse TRUNCATE too (a statement-level trigger; row triggers do not see it).

from django.db import migrations

from cellway.audit.append_only import guard_truncate


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_free_text_lengths")]
    operations = [guard_truncate("audit_auditevent"), guard_truncate("audit_signature")]
