# Free text gets a maximum length (cellway.limits): forms and the browser bound what people
# type. A TextField's length is not in its column type, so only Django's state changes; on
# SQLite an AlterField would remake the table, and lose the append-only triggers of the trails.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('billing', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='balanceoverride',
                    name='reason',
                    field=models.TextField(max_length=2000),
                ),
                migrations.AlterField(
                    model_name='quote',
                    name='adjustment_reason',
                    field=models.TextField(blank=True, max_length=2000),
                ),
            ],
        ),
    ]
