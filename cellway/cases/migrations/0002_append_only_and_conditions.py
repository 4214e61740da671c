from django.db import migrations

from cellway.audit.append_only import append_only

CONDITIONS = [
    ("ms", "Multiple sclerosis"),
    ("als", "Amyotrophic lateral sclerosis"),
    ("parkinsons", "Parkinson's disease"),
    ("autism", "Autism spectrum disorder"),
    ("cerebral-palsy", "Cerebral palsy"),
    ("spinal-cord-injury", "Spinal cord injury"),
    ("other", "Other condition"),
]


def add_conditions(apps, schema_editor):
    Condition = apps.get_model("cases", "Condition")
    for code, name in CONDITIONS:
        Condition.objects.get_or_create(code=code, defaults={"name": name})


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]
    operations = [
        append_only("cases_caseevent"),
        migrations.RunPython(add_conditions, migrations.RunPython.noop),
    ]
