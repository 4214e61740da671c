from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.http import HttpRequest

from cellway.accounts.models import User


# UserAdmin is generic only in django-stubs; subscripting it at run time needs django_stubs_ext (+0.1 s start-up).
@admin.register(User)
class UserAdmin(BaseUserAdmin):  # type: ignore[type-arg]
    """Clinic administrators manage staff and their roles here.

    Only a superuser may grant superuser status or single permissions: an
    administrator gives roles (groups), never more than roles allow.
    """

    fieldsets = (*BaseUserAdmin.fieldsets, ("Display", {"fields": ("time_zone",)}))  # type: ignore[misc]
    list_display = ("username", "first_name", "last_name", "email", "is_active")
    list_filter = ("is_active", "groups")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            fields += ["is_superuser", "user_permissions", "is_staff", "last_login", "date_joined"]
        return fields
