"""The clinic administrator edits condition pages and the evidence library here; every rule is the services'."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from modeltranslation.admin import TranslationAdmin, TranslationTabularInline

from cellway.errors import Refusal
from cellway.evidence import services
from cellway.evidence.models import Citation, Claim, ConditionPage, PublishedPage, Reference, Section


class ReferenceForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = Reference
        fields = ["key", "kind", "csl", "note"]


@admin.register(Reference)
class ReferenceAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    form = ReferenceForm
    list_display = ["key", "kind", "verified", "citation"]
    list_filter = ["kind"]
    search_fields = ["key", "note"]
    readonly_fields = ["verification", "citation"]

    @admin.display(boolean=True, description="verified")
    def verified(self, obj: Reference) -> bool:
        return obj.is_verified

    @admin.display(description="what keeps it from being verified")
    def verification(self, obj: Reference) -> str:
        return "; ".join(obj.problems) or "verified: may be cited on a published page"

    def save_model(self, request: HttpRequest, obj: Reference, form: Any, change: bool) -> None:
        # Through the service: a record that stops being verified withdraws the live pages that cite it.
        saved = services.record_reference(key=obj.key, csl=obj.csl, kind=obj.kind, note=obj.note, by=request.user)
        obj.pk = saved.pk

    def has_delete_permission(self, request: HttpRequest, obj: Reference | None = None) -> bool:
        return False  # cited references are kept; an unverified one simply cannot be published


class SectionInline(TranslationTabularInline[Section, ConditionPage]):
    model = Section
    extra = 0
    fields = ["position", "heading"]


@admin.register(ConditionPage)
class ConditionPageAdmin(TranslationAdmin[ConditionPage]):
    list_display = ["title", "slug", "status", "problems"]
    readonly_fields = ["status", "problems"]
    inlines = [SectionInline]
    actions = ["publish", "withdraw"]

    @admin.display(description="what keeps it from being published")
    def problems(self, obj: ConditionPage) -> str:
        return " ".join(services.publish_problems(obj)) or "ready to publish"

    @admin.action(description="Publish the selected pages (checked: every claim referenced and verified)")
    def publish(self, request: HttpRequest, queryset: QuerySet[ConditionPage]) -> None:
        for page in queryset:
            try:
                services.publish(page=page, by=request.user)
                self.message_user(request, f"{page.slug} is published.", messages.SUCCESS)
            except Refusal as refusal:
                self.message_user(request, f"{page.slug}: {refusal.message}", messages.ERROR)

    @admin.action(description="Withdraw the selected pages from the site")
    def withdraw(self, request: HttpRequest, queryset: QuerySet[ConditionPage]) -> None:
        for page in queryset:
            try:
                services.withdraw(page=page, by=request.user, reason="withdrawn in the admin")
                self.message_user(request, f"{page.slug} is withdrawn.", messages.SUCCESS)
            except Refusal as refusal:
                self.message_user(request, f"{page.slug}: {refusal.message}", messages.ERROR)


class CitationInline(admin.TabularInline):  # type: ignore[type-arg]
    model = Citation
    extra = 1
    fields = ["position", "reference"]
    autocomplete_fields = ["reference"]


@admin.register(Claim)
class ClaimAdmin(TranslationAdmin[Claim]):
    list_display = ["__str__", "section", "position", "held_back", "references_verified"]
    list_filter = ["section__page", "held_back"]
    inlines = [CitationInline]

    @admin.display(boolean=True, description="referenced and verified")
    def references_verified(self, obj: Claim) -> bool:
        references = [c.reference for c in obj.citations.all()]
        return bool(references) and all(r.is_verified for r in references)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Claim]:
        return super().get_queryset(request).select_related("section__page").prefetch_related("citations__reference")


@admin.register(PublishedPage)
class PublishedPageAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["page", "published_at", "published_by", "withdrawn_at"]
    readonly_fields = ["page", "published_at", "published_by", "content", "withdrawn_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: PublishedPage | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: PublishedPage | None = None) -> bool:
        return False
