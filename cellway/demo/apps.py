from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "cellway.demo"
    label = "demo"
    verbose_name = "Demo data"
