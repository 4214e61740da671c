# Patients get the searchable form of their name, filled here for those already recorded.

from typing import Any

from django.db import migrations, models

from cellway.cases.search import search_key


def fill_search_keys(apps: Any, schema_editor: Any) -> None:
    Patient = apps.get_model("cases", "Patient")
    batch = []
    for patient in Patient.objects.only("pk", "full_name").iterator(chunk_size=2000):
        patient.search_key = search_key(patient.full_name)
        batch.append(patient)
        if len(batch) == 2000:
            Patient.objects.bulk_update(batch, ["search_key"])
            batch = []
    Patient.objects.bulk_update(batch, ["search_key"])


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0003_queue_page_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="patient",
            name="search_key",
            field=models.CharField(blank=True, editable=False, max_length=400),
        ),
        migrations.RunPython(fill_search_keys, migrations.RunPython.noop, elidable=True),
    ]
