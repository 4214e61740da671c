"""The spine of Cellway: inquiries, patients, cases and what happened to them."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from cellway import limits
from cellway.audit.append_only import AppendOnlyMixin
from cellway.cases import search
from cellway.cases.events import EventKind
from cellway.cases.stages import LABELS, Stage


class Condition(models.Model):
    """A condition the clinic treats (multiple sclerosis first)."""

    code = models.SlugField(max_length=32, unique=True)
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class SpecialistProfile(models.Model):
    """What a specialist is expert in; used to suggest who should take a case."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="specialist_profile")
    conditions = models.ManyToManyField(Condition, related_name="specialists", blank=True)

    def __str__(self) -> str:
        return str(self.user)


class Source(models.TextChoices):
    WEBSITE = "website", "Website form"
    CHAT = "chat", "Live chat"
    EMAIL = "email", "Email"
    PHONE = "phone", "Phone"
    REFERRAL = "referral", "Doctor's referral"
    SOCIAL = "social", "Social media"
    PATIENT = "patient", "Another patient"
    OTHER = "other", "Other"


class Patient(models.Model):
    """A person the clinic may treat. One patient may have several cases over the years."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    full_name = models.CharField(max_length=limits.NAME)
    email = models.EmailField(blank=True, max_length=limits.EMAIL)
    phone = models.CharField(max_length=limits.PHONE, blank=True)
    country = models.CharField(max_length=limits.COUNTRY)
    language = models.CharField(max_length=limits.LANGUAGE, default="English")
    date_of_birth = models.DateField(null=True, blank=True)
    # `full_name` as searched (cellway.cases.search.search_key): written by the
    # services that create or rename a patient, never typed.
    search_key = models.CharField(max_length=search.KEY_LENGTH, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["full_name"]

    def __str__(self) -> str:
        return self.full_name


class Asker(models.TextChoices):
    PATIENT = "patient", "The patient"
    FAMILY = "family", "Family or a friend"


class Inquiry(models.Model):
    """A first message from a patient or family, as the care team received it.

    An inquiry from the public site has no staff recorder; it carries who was
    asking, the date of birth, and the consent to process health data as the
    visitor gave it (the text's version, when, and from which address).
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    full_name = models.CharField(max_length=limits.NAME)
    email = models.EmailField(blank=True, max_length=limits.EMAIL)
    phone = models.CharField(max_length=limits.PHONE, blank=True)
    country = models.CharField(max_length=limits.COUNTRY)
    language = models.CharField(max_length=limits.LANGUAGE, default="English")
    condition = models.ForeignKey(Condition, on_delete=models.PROTECT)
    source = models.CharField(max_length=16, choices=Source.choices)
    message = models.TextField(blank=True, max_length=limits.MESSAGE)
    received_at = models.DateTimeField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    asker = models.CharField(max_length=16, choices=Asker.choices, blank=True)
    date_of_birth = models.DateField(null=True, blank=True)
    # The language the visitor wrote in (a site language code): their acknowledgement is in it.
    site_language = models.CharField(max_length=16, blank=True)
    consent_version = models.CharField(max_length=40, blank=True)
    consent_at = models.DateTimeField(null=True, blank=True)
    consent_address = models.GenericIPAddressField(null=True, blank=True)
    # An existing patient this inquiry's person matches (email, phone, or name and date of birth): the care team
    # links the inquiry to them or confirms a new person. Set by cases.services.receive_web_inquiry.
    possible_duplicate = models.ForeignKey(Patient, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    duplicate_because = models.CharField(max_length=80, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_at"]
        verbose_name_plural = "inquiries"

    def __str__(self) -> str:
        return f"{self.full_name} ({self.received_at:%Y-%m-%d})"


class Case(models.Model):
    """One course of care for one patient, from inquiry to the end of follow-up.

    `stage` is written only by `cellway.cases.services.move`, which locks the
    row, checks the move is allowed and writes the event in one transaction.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    code = models.CharField(max_length=16, unique=True)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="cases")
    inquiry = models.OneToOneField(Inquiry, null=True, blank=True, on_delete=models.PROTECT, related_name="case")
    condition = models.ForeignKey(Condition, on_delete=models.PROTECT, related_name="cases")
    stage = models.CharField(max_length=16, choices=[(s.value, LABELS[s]) for s in Stage], default=Stage.INQUIRY)
    stage_changed_at = models.DateTimeField()
    specialist = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="assigned_cases")
    arrival_date = models.DateField(null=True, blank=True)
    first_therapy_day = models.DateField(null=True, blank=True)
    end_reason = models.TextField(blank=True, max_length=limits.REASON)
    # Bumped by every write through the services; a form that carries the
    # version it was drawn from can tell the user someone else acted first.
    version = models.PositiveIntegerField(default=1)
    opened_at = models.DateTimeField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-opened_at"]
        indexes = [
            # With id: a queue's page (ordered by stage_changed_at, id) is an
            # index-only scan however deep it is.
            models.Index(fields=["stage", "stage_changed_at", "id"]),
            models.Index(fields=["specialist", "stage"]),
        ]
        permissions = [
            ("view_all_cases", "Can see every case of the clinic"),
            ("open_case", "Can record inquiries and open cases"),
            ("view_contact", "Can see a patient's email and phone"),
            # Reading the inquiry's message and source is Inquiry's own cases.view_inquiry.
            ("assign_case", "Can assign a case to a specialist"),
            ("end_case", "Can end a case as declined, refused or withdrawn"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.patient}"

    @property
    def stage_enum(self) -> Stage:
        return Stage(self.stage)

    def get_stage_display(self) -> str:  # type: ignore[no-redef]  # django-stubs declares the generated one
        """The stage's label, straight from `LABELS` (Django's own looks through the field's flattened
        choices each time: a queue of fifty rows asked fifty times)."""
        return LABELS[Stage(self.stage)]


class CaseCounter(models.Model):
    """The last case number issued in a year, so codes run CW-2026-0001, 0002, ..."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)


class CaseEvent(AppendOnlyMixin, models.Model):
    """One thing that happened to a case: who, when, what, why. Append-only.

    Stage changes, assignments, signatures, payments and every read of a
    medical record are written here; the case page's timeline reads it.
    """

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="events")
    at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=40, choices=EventKind.choices)
    summary = models.CharField(max_length=300)
    reason = models.TextField(blank=True, max_length=limits.REASON)
    from_stage = models.CharField(max_length=16, blank=True)
    to_stage = models.CharField(max_length=16, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["case", "-at"])]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind} {self.summary}"


class Reminder(models.Model):
    """A reminder sent about something coming due on a case: a payment, a follow-up assessment.

    The row is claimed (inserted) before the mail is queued, in the transaction
    that writes the reminder to the trail. Its unique key is both the history
    and the guard: a restarted scheduler, or two running at once, never remind a
    patient twice of the same thing, due the same day, the same days ahead.
    """

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="reminders")
    # What is due, in the clinic's words and stable across runs: "deposit", "balance", "follow_up:3" (months); or a
    # one-off notice ("portal_message:<pk of the answer the burst follows>", due_on = the day it counts from).
    what = models.CharField(max_length=40)
    due_on = models.DateField()
    days_ahead = models.SmallIntegerField()
    sent_on = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["case", "due_on", "-days_ahead"]
        constraints = [models.UniqueConstraint(fields=["case", "what", "due_on", "days_ahead"], name="one_reminder_per_due_and_lead_time")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.what} due {self.due_on}, reminded {self.days_ahead} days ahead"
