# The old report field goes, once its files have moved (0002); the record file takes its name.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('plans', '0002_screening_report_is_a_record_file'),
    ]

    operations = [
        migrations.RemoveField(
            model_name='screeningresult',
            name='report',
        ),
        migrations.RenameField(
            model_name='screeningresult',
            old_name='report_file',
            new_name='report',
        ),
    ]
