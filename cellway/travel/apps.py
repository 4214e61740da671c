from django.apps import AppConfig


class TravelConfig(AppConfig):
    name = "cellway.travel"
    label = "travel"
    verbose_name = "Scheduling and logistics"
