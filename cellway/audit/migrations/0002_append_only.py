from django.db import migrations

from cellway.audit.append_only import append_only


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]
    operations = [append_only("audit_auditevent"), append_only("audit_signature")]
