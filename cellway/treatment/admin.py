from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from cellway.treatment.models import ConsentDocument

EDITABLE_ONCE_USED = {"retired"}


# ModelAdmin is generic only in django-stubs; subscripting it at run time needs django_stubs_ext (+0.1 s start-up).
@admin.register(ConsentDocument)
class ConsentDocumentAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """The clinic administrator keeps the consent forms: a new version is a new row. Once a patient has
    signed a version, its text is what they signed: only retiring it remains possible."""

    list_display = ("therapy", "language", "version", "title", "effective_from", "retired")
    list_filter = ("therapy", "language", "retired")
    fields = ("therapy", "language", "version", "title", "text", "effective_from", "retired")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        if obj is not None and obj.consents.exists():
            return [f for f in self.fields if f not in EDITABLE_ONCE_USED]
        return []

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
