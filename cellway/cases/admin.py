from django.contrib import admin

from cellway.cases.models import Condition, SpecialistProfile


@admin.register(SpecialistProfile)
class SpecialistProfileAdmin(admin.ModelAdmin):
    """Which conditions each specialist is expert in (used to suggest assignments)."""

    list_display = ("user",)
    filter_horizontal = ("conditions",)


@admin.register(Condition)
class ConditionAdmin(admin.ModelAdmin):
    list_display = ("name", "code")
