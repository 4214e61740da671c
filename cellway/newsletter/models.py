"""The condition eBook and the weekly newsletter: who asked, what they consented to, what went to whom.

Opt-in is double. A visitor's address is only an ``EbookRequest`` (and, if they ticked the separate box, a
pending ``Subscriber``) until they press the button on the page their confirmation link opens: mail scanners
open every link, so a GET changes nothing. Consent is stored as it was given: the text's version, when, and
from which address.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from cellway import limits


class Subscriber(models.Model):
    """One address on the newsletter's list, in one language. Never deleted: an unsubscribed or suppressed
    address stays, so that a later import or a repeated form cannot put it back without a new consent."""

    class State(models.TextChoices):
        PENDING = "pending", "Waiting for confirmation"
        ACTIVE = "active", "Subscribed"
        UNSUBSCRIBED = "unsubscribed", "Unsubscribed"
        # A hard bounce or a complaint (the provider's tracking webhook): never mailed again.
        SUPPRESSED = "suppressed", "Suppressed"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # Stored case-folded by the services: one row per address.
    email = models.EmailField(max_length=limits.EMAIL, unique=True)
    language = models.CharField(max_length=16, default="en")
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    consent_version = models.CharField(max_length=40, blank=True)
    consent_at = models.DateTimeField(null=True, blank=True)
    consent_address = models.GenericIPAddressField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)
    suppressed_at = models.DateTimeField(null=True, blank=True)
    suppressed_because = models.CharField(max_length=limits.SHORT, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["email"]
        indexes = [models.Index(fields=["state", "id"])]

    def __str__(self) -> str:
        return self.email


class EbookRequest(models.Model):
    """A visitor asked for a condition's eBook. Confirmed once; the download link then works until it expires."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    email = models.EmailField(max_length=limits.EMAIL)
    language = models.CharField(max_length=16, default="en")
    # The condition page's slug (cellway.evidence): the eBook is that page as it is published when downloaded.
    page_slug = models.SlugField(max_length=80)
    # The separate, unticked box: also subscribe to the newsletter once confirmed.
    newsletter = models.BooleanField(default=False)
    consent_version = models.CharField(max_length=40)
    address = models.GenericIPAddressField(null=True, blank=True)
    requested_at = models.DateTimeField()
    # The last confirmation mail: a second request for the same address and page within a day sends none.
    mailed_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    downloads = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-requested_at"]
        indexes = [models.Index(fields=["email", "page_slug", "-requested_at"])]

    def __str__(self) -> str:
        return f"{self.email} ({self.page_slug})"


class Issue(models.Model):
    """One newsletter issue: written and previewed by the clinic's administrator, scheduled, sent in batches.

    ``subject`` and ``body`` are translated (django-modeltranslation: ``subject_en``, ``subject_zh_hans``,
    ``subject_ar``...); each subscriber gets their language, or English where a translation is missing.
    """

    class State(models.TextChoices):
        DRAFT = "draft", "Draft"
        SCHEDULED = "scheduled", "Scheduled"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"

    subject = models.CharField(max_length=limits.SHORT)
    body = models.TextField(max_length=limits.DOCUMENT, help_text="Plain text. Paragraphs separated by a blank line.")
    state = models.CharField(max_length=16, choices=State.choices, default=State.DRAFT, editable=False)
    send_at = models.DateTimeField(null=True, blank=True, editable=False)
    scheduled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False
    )
    started_at = models.DateTimeField(null=True, blank=True, editable=False)
    finished_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        permissions = [("send_issue", "Can schedule newsletter issues for sending")]

    def __str__(self) -> str:
        return self.subject


class Delivery(models.Model):
    """One issue to one subscriber: made for every active subscriber when sending starts, sent by a batch.

    Unique per issue and subscriber, so a batch that runs twice (a retried task, two workers) sends nobody twice.
    """

    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        # Unsubscribed or suppressed between the start of sending and their batch: not sent.
        SKIPPED = "skipped", "Skipped"

    issue = models.ForeignKey(Issue, on_delete=models.PROTECT, related_name="deliveries")
    subscriber = models.ForeignKey(Subscriber, on_delete=models.PROTECT, related_name="deliveries")
    state = models.CharField(max_length=16, choices=State.choices, default=State.QUEUED)
    message_id = models.CharField(max_length=limits.SHORT, blank=True)
    error = models.CharField(max_length=limits.SHORT, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # The subscriber left through this issue's link.
    unsubscribed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["issue", "subscriber"], name="one_delivery_per_issue_and_subscriber")]
        indexes = [models.Index(fields=["issue", "state", "id"])]
        verbose_name_plural = "deliveries"

    def __str__(self) -> str:
        return f"{self.issue_id} → {self.subscriber_id}: {self.state}"
