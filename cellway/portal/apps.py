from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.apps import AppConfig

if TYPE_CHECKING:
    from cellway.cases.models import Case
    from cellway.conversations.contacts import CaseContact


class PortalConfig(AppConfig):
    name = "cellway.portal"
    label = "portal"
    verbose_name = "Patient portal"

    def ready(self) -> None:
        from cellway.cases.signals import case_opened
        from cellway.conversations import contacts

        case_opened.connect(invite_on_opening, dispatch_uid="cellway.portal.invite_on_opening")
        # The portal's family and helpers are people of the case for conversations (a mail from one threads to
        # the case; the care team's portal replies reach them): conversations sits below the portal and cannot
        # import it, so the portal hands it this source (conversations/contacts.py).
        contacts.register("portal", case_contacts)


def invite_on_opening(**kwargs: Any) -> None:
    """``services.invite_on_opening``, imported when a case opens: the services module brings the outcomes,
    treatment and billing services with it, which a command or worker that opens no case need not load."""
    from cellway.portal import services

    services.invite_on_opening(**kwargs)


def case_contacts(case: Case) -> list[CaseContact]:
    """``selectors.case_contacts``, imported when conversations first asks (the selectors bring the outcomes',
    plans' and cells' reads with them)."""
    from cellway.portal import selectors

    return selectors.case_contacts(case)
