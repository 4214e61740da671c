from django.apps import AppConfig


class TreatmentConfig(AppConfig):
    name = "cellway.treatment"
    label = "treatment"
    verbose_name = "Treatment sessions and protocol"
