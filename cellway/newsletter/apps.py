from django.apps import AppConfig


class NewsletterConfig(AppConfig):
    name = "cellway.newsletter"
    label = "newsletter"
    verbose_name = "eBook and newsletter"

    def ready(self) -> None:
        from anymail.signals import tracking

        from cellway.newsletter.tracking import on_tracking

        # Bounces and complaints, from django-anymail's tracking webhook: the address is suppressed.
        tracking.connect(on_tracking, dispatch_uid="cellway.newsletter.on_tracking")
