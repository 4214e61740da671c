from django.apps import AppConfig


class ConversationsConfig(AppConfig):
    name = "cellway.conversations"
    label = "conversations"
    verbose_name = "Conversations"

    def ready(self) -> None:
        from anymail.signals import inbound

        from cellway.cases.signals import contact_mailed
        from cellway.conversations.services import record_mail_out
        from cellway.conversations.webhooks import on_inbound

        # Every mail to a patient or family is on the case's thread before it goes (cases.notify sends it).
        contact_mailed.connect(record_mail_out, dispatch_uid="cellway.conversations.record_mail_out")
        # Mail in, from django-anymail's inbound webhook.
        inbound.connect(on_inbound, dispatch_uid="cellway.conversations.on_inbound")
