from django.contrib import admin

from cellway.cases.models import Condition, SpecialistProfile


# ModelAdmin is generic only in django-stubs; subscripting it at run time needs django_stubs_ext (+0.1 s start-up).
@admin.register(SpecialistProfile)
class SpecialistProfileAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Which conditions each specialist is expert in (used to suggest assignments)."""

    list_display = ("user",)
    filter_horizontal = ("conditions",)


# ModelAdmin is generic only in django-stubs; subscripting it at run time needs django_stubs_ext (+0.1 s start-up).
@admin.register(Condition)
class ConditionAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "code")
