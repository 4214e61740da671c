from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "cellway.records"
    label = "records"
    verbose_name = "Medical records"

    def ready(self) -> None:
        from cellway.cases.signals import case_opened
        from cellway.records.services import create_checklist

        case_opened.connect(create_checklist, dispatch_uid="cellway.records.create_checklist")
