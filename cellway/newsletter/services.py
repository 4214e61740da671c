"""Every write of the eBook and the newsletter: requests, double opt-in, downloads, unsubscribing,
suppression, and the administrator's issues from draft to sent.

Links in mails carry a signed token (django.core.signing, one salt per purpose) naming a row; how long a link
works is decided from the row's own dates (a confirmation within NEWSLETTER_CONFIRM_DAYS of the request, a
download within NEWSLETTER_DOWNLOAD_DAYS of the confirmation), so a link rendered again later is not younger.
An unsubscribe link never expires (RFC 8058: it must keep working in an old mail).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.core import signing
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from cellway import limits
from cellway.audit.services import audit_record
from cellway.errors import NotAllowed, Refusal
from cellway.evidence.selectors import live_page
from cellway.newsletter import conf
from cellway.newsletter.models import Delivery, EbookRequest, Issue, Subscriber

# The version of the consent text the visitor saw beside the form (cellway/site/templates/site/ebook_form.html).
CONSENT_VERSION = "ebook-newsletter-2026-12"
# A second request for the same address and page within this time sends no second mail: one pending confirmation.
RESEND_AFTER = dt.timedelta(hours=24)
# Requests from one client address per hour, and for one email address per day.
LIMIT_PER_ADDRESS = (10, 3600)
LIMIT_PER_EMAIL = (5, 86400)

SEND_ISSUES = "newsletter.send_issue"

_CONFIRM = "newsletter.confirm"
_DOWNLOAD = "newsletter.download"
_UNSUBSCRIBE = "newsletter.unsubscribe"


class LinkRefused(Refusal):
    """A link that does not work: ``reason`` is "forged" (not ours, or altered), "expired" or "unconfirmed"."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


class TooMany(Refusal):
    """Too many requests from one client address or for one email address lately."""


def normal_email(email: str) -> str:
    """The address as stored: trimmed and case-folded, checked."""
    email = email.strip().casefold()
    limits.check_length(email, limits.EMAIL, "The email address")
    try:
        validate_email(email)
    except ValidationError as invalid:
        raise Refusal("The email address is not valid.") from invalid
    return email


def _count(address: str, email: str) -> None:
    """Count one request against the client address and the email; refuse past either limit (atomic in the cache)."""
    for key, (limit, window) in ((f"newsletter:address:{address}", LIMIT_PER_ADDRESS), (f"newsletter:email:{email}", LIMIT_PER_EMAIL)):
        cache.add(key, 0, timeout=window)
        if cache.incr(key) > limit:
            raise TooMany("Too many requests lately; please try again later.")


def request_ebook(*, email: str, page_slug: str, language: str, newsletter: bool, address: str | None) -> tuple[EbookRequest, bool]:
    """A visitor asks for the condition page's eBook (``page_slug``), or only for the newsletter (``page_slug``
    empty, ``newsletter`` True). Returns the request and whether a confirmation mail goes out: a second request
    for the same address and page within RESEND_AFTER reuses the pending one and mails nothing."""
    email = normal_email(email)
    if page_slug and live_page(page_slug) is None:
        raise Refusal("There is no such page to send.")
    if not page_slug and not newsletter:
        raise Refusal("Tick the box to receive the newsletter.")
    _count(address or "", email)
    now = timezone.now()
    with transaction.atomic():
        pending = (
            EbookRequest.objects.select_for_update()
            .filter(email=email, page_slug=page_slug, confirmed_at__isnull=True, mailed_at__gte=now - RESEND_AFTER)
            .order_by("-requested_at")
            .first()
        )
        if pending is not None:
            if newsletter and not pending.newsletter:
                pending.newsletter = True
                pending.save(update_fields=["newsletter"])
            return pending, False
        request = EbookRequest.objects.create(
            email=email,
            language=language,
            page_slug=page_slug,
            newsletter=newsletter,
            consent_version=CONSENT_VERSION,
            address=address or None,
            requested_at=now,
            mailed_at=now,
        )
        from cellway.newsletter.mail import send_confirmation

        transaction.on_commit(lambda: send_confirmation.enqueue(request_id=request.pk))
    return request, True


def confirm_token(request: EbookRequest) -> str:
    return signing.Signer(salt=_CONFIRM).sign(str(request.uuid))


def download_token(request: EbookRequest) -> str:
    return signing.Signer(salt=_DOWNLOAD).sign(str(request.uuid))


def unsubscribe_token(subscriber: Subscriber, issue: Issue | None = None) -> str:
    return signing.Signer(salt=_UNSUBSCRIBE).sign(f"{subscriber.uuid}.{issue.pk if issue else 0}")


def _unsign(token: str, salt: str) -> str:
    try:
        return signing.Signer(salt=salt).unsign(token)
    except signing.BadSignature as bad:
        raise LinkRefused("forged", "This link is not one of ours, or it was changed.") from bad


def _request_by(token: str, salt: str) -> EbookRequest:
    value = _unsign(token, salt)
    try:
        return EbookRequest.objects.get(uuid=uuid.UUID(value))
    except (ValueError, EbookRequest.DoesNotExist) as gone:
        raise LinkRefused("forged", "This link is not one of ours, or it was changed.") from gone


def request_to_confirm(token: str) -> EbookRequest:
    """The request a confirmation link names, if the link still works (shown on the page with the button)."""
    request = _request_by(token, _CONFIRM)
    if request.confirmed_at is None and timezone.now() > request.requested_at + conf.confirm_within():
        raise LinkRefused("expired", "This confirmation link has expired. Please ask again.")
    return request


def confirm(*, token: str, address: str | None) -> tuple[EbookRequest, bool]:
    """The visitor pressed the button: confirm the request (and subscribe them if they ticked the box).
    Returns the request and whether this press confirmed it (False: it already was; nothing changes)."""
    with transaction.atomic():
        request = request_to_confirm(token)
        request = EbookRequest.objects.select_for_update().get(pk=request.pk)
        if request.confirmed_at is not None:
            return request, False
        request.confirmed_at = timezone.now()
        request.save(update_fields=["confirmed_at"])
        if request.newsletter:
            _subscribe(request=request, address=address)
        if request.page_slug:
            from cellway.newsletter.mail import send_download_link

            transaction.on_commit(lambda: send_download_link.enqueue(request_id=request.pk))
    return request, True


def _subscribe(*, request: EbookRequest, address: str | None) -> Subscriber:
    """Put the confirmed address on the list, with the consent as given. A suppressed address stays suppressed
    (it bounced or complained); an unsubscribed one comes back only by this new, confirmed consent."""
    now = timezone.now()
    subscriber, _ = Subscriber.objects.select_for_update().get_or_create(email=request.email, defaults={"language": request.language})
    if subscriber.state == Subscriber.State.SUPPRESSED:
        return subscriber
    subscriber.state = Subscriber.State.ACTIVE
    subscriber.language = request.language
    subscriber.consent_version = request.consent_version
    subscriber.consent_at = request.requested_at
    subscriber.consent_address = request.address
    subscriber.confirmed_at = now
    subscriber.unsubscribed_at = None
    subscriber.save()
    audit_record(actor=None, action="newsletter.subscribed", target=str(subscriber.uuid), data={"from": address or ""})
    return subscriber


def request_to_download(token: str) -> EbookRequest:
    """The confirmed request a download link names, while the link works."""
    request = _request_by(token, _DOWNLOAD)
    if request.confirmed_at is None:
        raise LinkRefused("unconfirmed", "This download is not confirmed yet: press the button in the confirmation mail's page.")
    if timezone.now() > request.confirmed_at + conf.download_within():
        raise LinkRefused("expired", "This download link has expired. Please ask for the eBook again.")
    return request


def count_download(request: EbookRequest) -> None:
    EbookRequest.objects.filter(pk=request.pk).update(downloads=F("downloads") + 1)


def subscriber_to_unsubscribe(token: str) -> tuple[Subscriber, int]:
    value = _unsign(token, _UNSUBSCRIBE)
    subscriber_uuid, _, issue_id = value.partition(".")
    try:
        return Subscriber.objects.get(uuid=uuid.UUID(subscriber_uuid)), int(issue_id or 0)
    except (ValueError, Subscriber.DoesNotExist) as gone:
        raise LinkRefused("forged", "This link is not one of ours, or it was changed.") from gone


def unsubscribe(*, token: str) -> Subscriber:
    """One click (RFC 8058) or the visible link's button: off the list at once. Again: nothing changes."""
    subscriber, issue_id = subscriber_to_unsubscribe(token)
    with transaction.atomic():
        subscriber = Subscriber.objects.select_for_update().get(pk=subscriber.pk)
        if subscriber.state in (Subscriber.State.ACTIVE, Subscriber.State.PENDING):
            now = timezone.now()
            subscriber.state = Subscriber.State.UNSUBSCRIBED
            subscriber.unsubscribed_at = now
            subscriber.save(update_fields=["state", "unsubscribed_at"])
            if issue_id:
                Delivery.objects.filter(issue_id=issue_id, subscriber=subscriber, unsubscribed_at__isnull=True).update(unsubscribed_at=now)
            audit_record(actor=None, action="newsletter.unsubscribed", target=str(subscriber.uuid), data={"issue": issue_id})
    return subscriber


def suppress(*, email: str, because: str) -> Subscriber | None:
    """A hard bounce or a complaint reported by the mail provider: never mail this address again."""
    try:
        email = normal_email(email)
    except Refusal:
        return None
    with transaction.atomic():
        subscriber = Subscriber.objects.select_for_update().filter(email=email).first()
        if subscriber is None or subscriber.state == Subscriber.State.SUPPRESSED:
            return subscriber
        subscriber.state = Subscriber.State.SUPPRESSED
        subscriber.suppressed_at = timezone.now()
        subscriber.suppressed_because = because[: limits.SHORT]
        subscriber.save(update_fields=["state", "suppressed_at", "suppressed_because"])
        audit_record(actor=None, action="newsletter.suppressed", target=str(subscriber.uuid), reason=because[: limits.SHORT])
    return subscriber


# --- Issues -------------------------------------------------------------------


def issue_problems(issue: Issue) -> list[str]:
    """What keeps a draft from being scheduled."""
    problems = []
    if not (issue.subject_en or "").strip():  # type: ignore[attr-defined]
        problems.append("The English subject is empty.")
    if not (issue.body_en or "").strip():  # type: ignore[attr-defined]
        problems.append("The English text is empty.")
    return problems


def check_schedule(*, issue: Issue, by: Any, send_at: dt.datetime) -> None:
    if not by.has_perm(SEND_ISSUES):
        raise NotAllowed("Only the clinic administrator sends the newsletter.")
    if issue.state != Issue.State.DRAFT:
        raise Refusal(f"This issue is {issue.get_state_display().lower()}, not a draft.")
    if send_at < timezone.now() - dt.timedelta(minutes=5):
        raise Refusal("The sending time is in the past.")
    problems = issue_problems(issue)
    if problems:
        raise Refusal("The issue cannot be scheduled: " + " ".join(problems))


def schedule(*, issue: Issue, by: Any, send_at: dt.datetime) -> Issue:
    with transaction.atomic():
        issue = Issue.objects.select_for_update().get(pk=issue.pk)
        check_schedule(issue=issue, by=by, send_at=send_at)
        issue.state = Issue.State.SCHEDULED
        issue.send_at = send_at
        issue.scheduled_by = by
        issue.save(update_fields=["state", "send_at", "scheduled_by"])
        audit_record(actor=by, action="newsletter.scheduled", target=str(issue.pk), data={"send_at": send_at.isoformat()})
    return issue


def check_unschedule(*, issue: Issue, by: Any) -> None:
    if not by.has_perm(SEND_ISSUES):
        raise NotAllowed("Only the clinic administrator sends the newsletter.")
    if issue.state != Issue.State.SCHEDULED:
        raise Refusal("Only a scheduled issue that has not started sending can go back to draft.")


def unschedule(*, issue: Issue, by: Any) -> Issue:
    with transaction.atomic():
        issue = Issue.objects.select_for_update().get(pk=issue.pk)
        check_unschedule(issue=issue, by=by)
        issue.state = Issue.State.DRAFT
        issue.send_at = None
        issue.save(update_fields=["state", "send_at"])
        audit_record(actor=by, action="newsletter.unscheduled", target=str(issue.pk))
    return issue


def start_due(*, now: dt.datetime | None = None) -> list[int]:
    """Scheduled issues whose time has come start sending: a delivery for each subscriber active now."""
    now = now or timezone.now()
    started = []
    for pk in Issue.objects.filter(state=Issue.State.SCHEDULED, send_at__lte=now).values_list("pk", flat=True):
        with transaction.atomic():
            issue = Issue.objects.select_for_update().get(pk=pk)
            if issue.state != Issue.State.SCHEDULED:
                continue  # another scheduler got there first
            issue.state = Issue.State.SENDING
            issue.started_at = now
            issue.save(update_fields=["state", "started_at"])
            active = Subscriber.objects.filter(state=Subscriber.State.ACTIVE).values_list("pk", flat=True).iterator()
            Delivery.objects.bulk_create((Delivery(issue=issue, subscriber_id=s) for s in active), batch_size=1000, ignore_conflicts=True)
            audit_record(actor=None, action="newsletter.started", target=str(issue.pk), data={"recipients": issue.deliveries.count()})
        started.append(pk)
    return started


def claim_batch(*, issue: Issue, size: int) -> list[Delivery]:
    """Take up to ``size`` queued deliveries of the issue and mark them sent before sending: a delivery is sent
    at most once, even by two workers at once (a mail lost to a crash is better than a mail sent twice)."""
    with transaction.atomic():
        batch = list(
            Delivery.objects.select_for_update(skip_locked=True)
            .filter(issue=issue, state=Delivery.State.QUEUED)
            .select_related("subscriber")
            .order_by("id")[:size]
        )
        now = timezone.now()
        for delivery in batch:
            delivery.state = Delivery.State.SENT if delivery.subscriber.state == Subscriber.State.ACTIVE else Delivery.State.SKIPPED
            delivery.sent_at = now if delivery.state == Delivery.State.SENT else None
        Delivery.objects.bulk_update(batch, ["state", "sent_at"])
    return [d for d in batch if d.state == Delivery.State.SENT]


def delivery_failed(*, delivery: Delivery, error: str) -> None:
    Delivery.objects.filter(pk=delivery.pk).update(state=Delivery.State.FAILED, error=error[: limits.SHORT], sent_at=None)


def delivery_sent(*, delivery: Delivery, message_id: str) -> None:
    Delivery.objects.filter(pk=delivery.pk).update(message_id=message_id[: limits.SHORT])


def finish_if_done(*, issue: Issue) -> bool:
    with transaction.atomic():
        issue = Issue.objects.select_for_update().get(pk=issue.pk)
        if issue.state != Issue.State.SENDING or issue.deliveries.filter(state=Delivery.State.QUEUED).exists():
            return False
        issue.state = Issue.State.SENT
        issue.finished_at = timezone.now()
        issue.save(update_fields=["state", "finished_at"])
        audit_record(actor=None, action="newsletter.sent", target=str(issue.pk))
    return True
