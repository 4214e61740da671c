from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "cellway.portal"
    label = "portal"
    verbose_name = "Patient portal"

    def ready(self) -> None:
        from cellway.cases.signals import case_opened
        from cellway.portal.services import invite_on_opening

        case_opened.connect(invite_on_opening, dispatch_uid="cellway.portal.invite_on_opening")
