from django.contrib import admin

from cellway.outcomes.models import ReportedMeasure


# ModelAdmin is generic only in django-stubs; subscripting it at run time needs django_stubs_ext (+0.1 s start-up).
@admin.register(ReportedMeasure)
class ReportedMeasureAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """The clinic chooses which patient-reported measures are collected at visits."""

    list_display = ("name", "code", "low", "high", "higher_is_better", "active")
    list_filter = ("active",)
