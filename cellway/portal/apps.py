from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "cellway.portal"
    label = "portal"
    verbose_name = "Patient portal"

    def ready(self) -> None:
        from cellway.cases.signals import case_opened
        from cellway.conversations import contacts
        from cellway.portal.selectors import case_contacts
        from cellway.portal.services import invite_on_opening

        case_opened.connect(invite_on_opening, dispatch_uid="cellway.portal.invite_on_opening")
        # The portal's family and helpers are people of the case for conversations (a mail from one threads to
        # the case; the care team's portal replies reach them): conversations sits below the portal and cannot
        # import it, so the portal hands it this source (conversations/contacts.py).
        contacts.register("portal", case_contacts)
