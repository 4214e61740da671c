from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0004_event_kinds_medical_read"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="case",
            options={
                "ordering": ["-opened_at"],
                "permissions": [
                    ("view_all_cases", "Can see every case of the clinic"),
                    ("open_case", "Can record inquiries and open cases"),
                    ("view_contact", "Can see a patient's email and phone"),
                    ("assign_case", "Can assign a case to a specialist"),
                    ("end_case", "Can end a case as declined, refused or withdrawn"),
                ],
            },
        ),
    ]
