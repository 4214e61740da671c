from typing import Any

from django.apps import AppConfig


class ConversationsConfig(AppConfig):
    name = "cellway.conversations"
    label = "conversations"
    verbose_name = "Conversations"

    def ready(self) -> None:
        from anymail.signals import inbound

        from cellway.cases.signals import contact_mailed

        # Every mail to a patient or family is on the case's thread before it goes (cases.notify sends it).
        contact_mailed.connect(record_mail_out, dispatch_uid="cellway.conversations.record_mail_out")
        # Mail in, from django-anymail's inbound webhook.
        inbound.connect(on_inbound, dispatch_uid="cellway.conversations.on_inbound")


def record_mail_out(sender: Any, **kwargs: Any) -> None:
    """``services.record_mail_out``, imported when a mail goes: the services module brings the records services
    with it, which a command or worker that sends no mail need not load."""
    from cellway.conversations import services

    services.record_mail_out(sender, **kwargs)


def on_inbound(sender: Any, **kwargs: Any) -> None:
    """``webhooks.on_inbound``, imported when a mail comes in (as above: not at start-up)."""
    from cellway.conversations import webhooks

    webhooks.on_inbound(sender, **kwargs)
