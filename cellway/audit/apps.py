from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "cellway.audit"
    label = "audit"
    verbose_name = "Audit trail"
