from django.apps import AppConfig


class OutcomesConfig(AppConfig):
    name = "cellway.outcomes"
    label = "outcomes"
    verbose_name = "Outcomes registry"
