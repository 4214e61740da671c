"""Treatment's actions are declared by treatment: plans.log_session, plans.complete_treatment and
plans.issue_protocol become treatment.*, with whoever held them; view_treatment is new."""

from typing import Any

from django.db import migrations

from cellway.accounts.roles import move_permission

MOVED = [
    ("plans.log_session", "treatment.log_session", "Can log treatment sessions"),
    ("plans.complete_treatment", "treatment.complete_treatment", "Can complete treatment"),
    ("plans.issue_protocol", "treatment.issue_protocol", "Can issue the post-treatment protocol"),
]


def forward(apps: Any, schema_editor: Any) -> None:
    for old, new, name in MOVED:
        move_permission(apps, old=old, new=new, model="treatment.treatmentsession", name=name)


def backward(apps: Any, schema_editor: Any) -> None:
    for old, new, name in MOVED:
        move_permission(apps, old=new, new=old, model="plans.therapyplan", name=name)


class Migration(migrations.Migration):
    dependencies = [
        ("treatment", "0001_initial"),
        ("plans", "0002_permissions_by_owning_app"),
        ("accounts", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="treatmentsession",
            options={
                "ordering": ["case", "day", "logged_at"],
                "permissions": [
                    ("log_session", "Can log treatment sessions"),
                    ("complete_treatment", "Can complete treatment"),
                    ("issue_protocol", "Can issue the post-treatment protocol"),
                    ("view_treatment", "Can see sessions, the post-treatment protocol and follow-up assessments"),
                ],
            },
        ),
        migrations.RunPython(forward, backward),
    ]
