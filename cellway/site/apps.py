from django.apps import AppConfig


class SiteConfig(AppConfig):
    """The public site: what visitors, prospective patients and families read, in their language."""

    name = "cellway.site"
    label = "site"
    verbose_name = "Public site"
