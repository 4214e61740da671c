"""Canned chat replies, per language, edited by the clinic administrator in the admin (shown on the live-chat page)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin

from cellway.conversations.models import CannedReply


@admin.register(CannedReply)
class CannedReplyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["title", "language", "position"]
    list_filter = ["language"]
    search_fields = ["title", "body"]
    fields = ["language", "title", "body", "position"]
    help_texts = "Variables: {first_name} (the visitor's), {representative} (yours), {clinic}."

    def get_form(self, request: Any, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        form.base_fields["body"].help_text = self.help_texts
        return form
