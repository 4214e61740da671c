"""Reads of the evidence library and the published condition pages."""

from __future__ import annotations

from cellway.evidence.models import PublishedPage


def live_page(slug: str) -> PublishedPage | None:
    """What visitors read of the page at `slug` now; None if it was never published or is withdrawn."""
    return PublishedPage.objects.filter(page__slug=slug).order_by("-published_at", "-id").filter(withdrawn_at__isnull=True).first()


def live_pages() -> list[PublishedPage]:
    """Every condition page visitors can read now (one live publication per page), by slug."""
    return list(PublishedPage.objects.filter(withdrawn_at__isnull=True).select_related("page").order_by("page__slug"))
