from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "cellway.billing"
    label = "billing"
    verbose_name = "Quotes and payments"
