# A signature records what was verified beside the password (the second factor's code, a recovery code, a
# session that showed the factor lately). One ALTER TABLE ADD COLUMN on both engines: on SQLite Django's
# AddField would remake the table and lose its append-only triggers (audit/append_only.py).

from django.db import migrations, models

ADD = "ALTER TABLE audit_signature ADD COLUMN components varchar(80) NOT NULL DEFAULT ''"
DROP = "ALTER TABLE audit_signature DROP COLUMN components"


class Migration(migrations.Migration):
    dependencies = [("audit", "0004_truncate_guard")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunSQL(ADD, DROP)],
            state_operations=[
                migrations.AddField(
                    model_name="signature",
                    name="components",
                    field=models.CharField(blank=True, default="", max_length=80),
                ),
            ],
        ),
    ]
