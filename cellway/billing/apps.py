from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "cellway.billing"
    label = "billing"
    verbose_name = "Quotes and payments"

    def ready(self) -> None:
        from cellway.billing.services import quote_signed_plan
        from cellway.plans.signals import plan_signed

        plan_signed.connect(quote_signed_plan, dispatch_uid="cellway.billing.quote_signed_plan")
