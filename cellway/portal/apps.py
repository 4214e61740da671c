from typing import Any

from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "cellway.portal"
    label = "portal"
    verbose_name = "Patient portal"

    def ready(self) -> None:
        from cellway.cases.signals import case_opened

        case_opened.connect(invite_on_opening, dispatch_uid="cellway.portal.invite_on_opening")


def invite_on_opening(**kwargs: Any) -> None:
    """``services.invite_on_opening``, imported when a case opens: the services module brings the outcomes,
    treatment and billing services with it, which a command or worker that opens no case need not load."""
    from cellway.portal import services

    services.invite_on_opening(**kwargs)
