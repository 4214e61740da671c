from django.apps import AppConfig


class EvidenceConfig(AppConfig):
    """The evidence library (references with their kind of evidence and verification) and the condition pages
    whose claims cite it, with the rule of what may be published."""

    name = "cellway.evidence"
    label = "evidence"
    verbose_name = "Evidence and condition pages"
