"""The conditions the clinic treats, present in every database.

Created by a migration and again after every migrate or flush (post_migrate),
so a fresh database, an old one and a test database flushed between
transactional tests all have them.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps as global_apps

CONDITIONS = [
    ("ms", "Multiple sclerosis"),
    ("als", "Amyotrophic lateral sclerosis"),
    ("parkinsons", "Parkinson's disease"),
    ("autism", "Autism spectrum disorder"),
    ("cerebral-palsy", "Cerebral palsy"),
    ("spinal-cord-injury", "Spinal cord injury"),
    ("other", "Other condition"),
]


def ensure_conditions(apps: Any = global_apps) -> None:
    Condition = apps.get_model("cases", "Condition")
    for code, name in CONDITIONS:
        Condition.objects.get_or_create(code=code, defaults={"name": name})


def ensure_conditions_after_migrate(sender: Any, app_config: Any = None, **kwargs: Any) -> None:
    if app_config is not None and app_config.label == "cases":
        ensure_conditions(kwargs.get("apps") or global_apps)
