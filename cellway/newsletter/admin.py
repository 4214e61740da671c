"""The clinic administrator writes newsletter issues here, previews them in each language, schedules them and
follows the counts; the subscriber list is read-only (addresses join and leave only by their own confirmed act)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from modeltranslation.admin import TranslationAdmin

from cellway.clinic import clinic_zone
from cellway.errors import Refusal
from cellway.newsletter import conf, selectors, services
from cellway.newsletter.mail import issue_message
from cellway.newsletter.models import Issue, Subscriber


def next_weekly_slot(now: dt.datetime | None = None) -> dt.datetime:
    """The next Tuesday at 09:00 in the clinic's zone: the default sending time of a weekly issue."""
    local = timezone.localtime(now or timezone.now(), clinic_zone())
    days = (1 - local.weekday()) % 7
    slot = (local + dt.timedelta(days=days)).replace(hour=9, minute=0, second=0, microsecond=0)
    return slot if slot > local else slot + dt.timedelta(days=7)


class ScheduleForm(forms.Form):
    send_at = forms.DateTimeField(label="Send at (the clinic's time)", widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))


@admin.register(Issue)
class IssueAdmin(TranslationAdmin[Issue]):
    list_display = ["subject", "state", "send_at", "counts"]
    list_filter = ["state"]
    readonly_fields = ["state", "send_at", "scheduled_by", "started_at", "finished_at", "counts", "links"]

    @admin.display(description="sent · failed · unsubscribed")
    def counts(self, obj: Issue) -> str:
        if obj.pk is None or obj.state in (Issue.State.DRAFT, Issue.State.SCHEDULED):
            return f"{selectors.active_subscribers()} subscribers now"
        c = selectors.issue_counts(obj)
        return f"{c.sent} sent · {c.failed} failed · {c.unsubscribed} unsubscribed · {c.queued} waiting (of {c.recipients})"

    @admin.display(description="preview and schedule")
    def links(self, obj: Issue) -> str:
        from django.utils.html import format_html, format_html_join

        if obj.pk is None:
            return "Save the draft first."
        previews = format_html_join(
            " · ",
            '<a href="{}">Preview ({})</a>',
            ((reverse("admin:newsletter_issue_preview", args=[obj.pk, code]), name) for code, name in settings.LANGUAGES),
        )
        if obj.state == Issue.State.DRAFT:
            return format_html('{} · <a href="{}">Schedule…</a>', previews, reverse("admin:newsletter_issue_schedule", args=[obj.pk]))
        if obj.state == Issue.State.SCHEDULED:
            return format_html('{} · <a href="{}">Back to draft</a>', previews, reverse("admin:newsletter_issue_unschedule", args=[obj.pk]))
        return previews

    def has_change_permission(self, request: HttpRequest, obj: Issue | None = None) -> bool:
        # Only a draft is edited: what was scheduled or sent is what went out.
        return super().has_change_permission(request, obj) and (obj is None or obj.state == Issue.State.DRAFT)

    def has_delete_permission(self, request: HttpRequest, obj: Issue | None = None) -> bool:
        return super().has_delete_permission(request, obj) and (obj is None or obj.state == Issue.State.DRAFT)

    def get_urls(self) -> list[URLPattern]:
        own = [
            path("<int:pk>/preview/<str:language>/", self.admin_site.admin_view(self.preview), name="newsletter_issue_preview"),
            path("<int:pk>/schedule/", self.admin_site.admin_view(self.schedule), name="newsletter_issue_schedule"),
            path("<int:pk>/unschedule/", self.admin_site.admin_view(self.unschedule), name="newsletter_issue_unschedule"),
        ]
        return own + super().get_urls()

    def preview(self, request: HttpRequest, pk: int, language: str) -> HttpResponse:
        """The issue's HTML mail as a subscriber in ``language`` would get it (the unsubscribe link is a sample's)."""
        if not self.has_view_permission(request) or language not in dict(settings.LANGUAGES):
            raise PermissionDenied
        issue = get_object_or_404(Issue, pk=pk)
        sample = Subscriber(email="preview@example.org", language=language)
        message = issue_message(issue, sample)
        html = next(content for content, mime in message.alternatives if mime == "text/html")
        return HttpResponse(html, content_type="text/html; charset=utf-8")

    def schedule(self, request: HttpRequest, pk: int) -> HttpResponse:
        issue = get_object_or_404(Issue, pk=pk)
        form = ScheduleForm(request.POST or None, initial={"send_at": next_weekly_slot().replace(tzinfo=None)})
        if request.method == "POST" and form.is_valid():
            send_at = form.cleaned_data["send_at"]
            if timezone.is_naive(send_at):
                send_at = timezone.make_aware(send_at, clinic_zone())
            try:
                services.schedule(issue=issue, by=request.user, send_at=send_at)
            except Refusal as refusal:
                form.add_error(None, refusal.message)
            else:
                self.message_user(
                    request, f"Scheduled for {timezone.localtime(send_at, clinic_zone()):%a %d %b %Y %H:%M}.", messages.SUCCESS
                )
                return HttpResponseRedirect(reverse("admin:newsletter_issue_change", args=[issue.pk]))
        context: dict[str, Any] = {
            **self.admin_site.each_context(request),
            "title": f"Schedule “{issue.subject}”",
            "form": form,
            "issue": issue,
            "subscribers": selectors.active_subscribers(),
            "batch": conf.batch_size(),
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/newsletter/schedule.html", context)

    def unschedule(self, request: HttpRequest, pk: int) -> HttpResponse:
        issue = get_object_or_404(Issue, pk=pk)
        try:
            services.unschedule(issue=issue, by=request.user)
        except Refusal as refusal:
            self.message_user(request, refusal.message, messages.ERROR)
        else:
            self.message_user(request, "Back to draft: it will not be sent.", messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:newsletter_issue_change", args=[issue.pk]))


@admin.register(Subscriber)
class SubscriberAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["email", "language", "state", "confirmed_at", "unsubscribed_at", "suppressed_because"]
    list_filter = ["state", "language"]
    search_fields = ["email"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # an address joins only by its own confirmed consent

    def has_change_permission(self, request: HttpRequest, obj: Subscriber | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Subscriber | None = None) -> bool:
        return False
