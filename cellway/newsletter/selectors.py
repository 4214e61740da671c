"""Reads of the newsletter: what the administrator sees of an issue's sending."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q

from cellway.newsletter.models import Delivery, Issue, Subscriber


@dataclass(frozen=True)
class IssueCounts:
    recipients: int
    queued: int
    sent: int
    failed: int
    skipped: int
    unsubscribed: int


def issue_counts(issue: Issue) -> IssueCounts:
    """Sent, failed and unsubscribed (through this issue's link) counts, in one query."""
    counts = Delivery.objects.filter(issue=issue).aggregate(
        recipients=Count("id"),
        queued=Count("id", filter=Q(state=Delivery.State.QUEUED)),
        sent=Count("id", filter=Q(state=Delivery.State.SENT)),
        failed=Count("id", filter=Q(state=Delivery.State.FAILED)),
        skipped=Count("id", filter=Q(state=Delivery.State.SKIPPED)),
        unsubscribed=Count("id", filter=Q(unsubscribed_at__isnull=False)),
    )
    return IssueCounts(**counts)


def active_subscribers() -> int:
    return Subscriber.objects.filter(state=Subscriber.State.ACTIVE).count()
