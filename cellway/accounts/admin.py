from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from cellway.accounts.models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (*BaseUserAdmin.fieldsets, ("Display", {"fields": ("time_zone",)}))  # type: ignore[misc]
