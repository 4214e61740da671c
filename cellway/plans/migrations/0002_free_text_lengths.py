# Free text gets a maximum length (cellway.limits): forms and the browser bound what people
# type. A TextField's length is not in its column type, so only Django's state changes; on
# SQLite an AlterField would remake the table, and lose the append-only triggers of the trails.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('plans', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='screeningresult',
                    name='markers',
                    field=models.TextField(help_text='Markers and values as reported, e.g. CEA 1.2 ng/mL; CA 19-9 8 U/mL.', max_length=4000),
                ),
                migrations.AlterField(
                    model_name='screeningresult',
                    name='verdict_reason',
                    field=models.TextField(blank=True, max_length=2000),
                ),
                migrations.AlterField(
                    model_name='therapyplan',
                    name='notes',
                    field=models.TextField(blank=True, max_length=2000),
                ),
                migrations.AlterField(
                    model_name='therapyplan',
                    name='schedule',
                    field=models.TextField(help_text='Day by day: which infusion or session on which treatment day.', max_length=20000),
                ),
            ],
        ),
    ]
