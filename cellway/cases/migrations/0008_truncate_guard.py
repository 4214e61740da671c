# The case trail refuses TRUNCATE too (a statement-level trigger; row triggers do not see it).

from django.db import migrations

from cellway.audit.append_only import guard_truncate


class Migration(migrations.Migration):
    dependencies = [("cases", "0007_merge_20261201_0250")]
    operations = [guard_truncate("cases_caseevent")]
