from typing import Any

from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "cellway.records"
    label = "records"
    verbose_name = "Medical records"

    def ready(self) -> None:
        from cellway.cases.signals import case_opened

        case_opened.connect(create_checklist, dispatch_uid="cellway.records.create_checklist")


def create_checklist(sender: Any, **kwargs: Any) -> None:
    """``services.create_checklist``, imported when a case opens, not by every process at start-up."""
    from cellway.records import services

    services.create_checklist(sender, **kwargs)
