from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CasesConfig(AppConfig):
    name = "cellway.cases"
    label = "cases"
    verbose_name = "Cases"

    def ready(self) -> None:
        from cellway.cases.conditions import ensure_conditions_after_migrate

        post_migrate.connect(ensure_conditions_after_migrate, dispatch_uid="cellway.cases.ensure_conditions")
