from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "cellway.cases"
    label = "cases"
    verbose_name = "Cases"
