from django.apps import AppConfig


class PlansConfig(AppConfig):
    name = "cellway.plans"
    label = "plans"
    verbose_name = "Therapy plans and screening"
