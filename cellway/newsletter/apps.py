from django.apps import AppConfig


class NewsletterConfig(AppConfig):
    name = "cellway.newsletter"
    label = "newsletter"
    verbose_name = "eBook and newsletter"
