# Free text gets a maximum length (cellway.limits): forms and the browser bound what people
# type. A TextField's length is not in its column type, so only Django's state changes; on
# SQLite an AlterField would remake the table, and lose the append-only triggers of the trails.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0004_patient_search_key'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='case',
                    name='end_reason',
                    field=models.TextField(blank=True, max_length=2000),
                ),
                migrations.AlterField(
                    model_name='caseevent',
                    name='reason',
                    field=models.TextField(blank=True, max_length=2000),
                ),
                migrations.AlterField(
                    model_name='inquiry',
                    name='message',
                    field=models.TextField(blank=True, max_length=20000),
                ),
            ],
        ),
    ]
