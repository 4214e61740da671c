"""Records' actions are declared by records: cases.manage_records becomes records.manage_records,
with whoever held it; view_records is new."""

from typing import Any

from django.db import migrations

from cellway.accounts.roles import move_permission

OLD, NEW, NAME = "cases.manage_records", "records.manage_records", "Can keep the records checklist and attach records"


def forward(apps: Any, schema_editor: Any) -> None:
    move_permission(apps, old=OLD, new=NEW, model="records.recorditem", name=NAME)


def backward(apps: Any, schema_editor: Any) -> None:
    move_permission(apps, old=NEW, new=OLD, model="cases.case", name="Can keep the records checklist")


class Migration(migrations.Migration):
    dependencies = [
        ("records", "0002_intake"),
        ("cases", "0005_permissions_by_owning_app"),
        ("accounts", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="recorditem",
            options={
                "ordering": ["case", "kind"],
                "permissions": [
                    ("manage_records", "Can keep the records checklist and attach records"),
                    ("view_records", "Can see a case's records, imaging and downloads"),
                ],
            },
        ),
        migrations.RunPython(forward, backward),
    ]
