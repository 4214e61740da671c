from django.contrib import admin

from cellway.outcomes.models import ReportedMeasure


@admin.register(ReportedMeasure)
class ReportedMeasureAdmin(admin.ModelAdmin):
    """The clinic chooses which patient-reported measures are collected at visits."""

    list_display = ("name", "code", "low", "high", "higher_is_better", "active")
    list_filter = ("active",)
