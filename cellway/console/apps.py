from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    name = "cellway.console"
    label = "console"
    verbose_name = "Staff console"
