# Free text gets a maximum length (cellway.limits): forms and the browser bound what people
# type. A TextField's length is not in its column type, so only Django's state changes; on
# SQLite an AlterField would remake the table, and lose the append-only triggers of the trails.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('outcomes', '0002_visits_relapses_mri'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='followupassessment',
                    name='notes',
                    field=models.TextField(blank=True, max_length=2000),
                ),
                migrations.AlterField(
                    model_name='mriscan',
                    name='notes',
                    field=models.TextField(blank=True, max_length=2000),
                ),
                migrations.AlterField(
                    model_name='relapse',
                    name='notes',
                    field=models.TextField(blank=True, max_length=2000),
                ),
                migrations.AlterField(
                    model_name='visit',
                    name='edss_reason',
                    field=models.TextField(blank=True, max_length=2000),
                ),
                migrations.AlterField(
                    model_name='visit',
                    name='notes',
                    field=models.TextField(blank=True, max_length=4000),
                ),
            ],
        ),
    ]
