"""Who reaches a case through the portal: the patient, and the family and helpers the patient let in."""

from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cellway.cases.models import Case


class Relation(models.TextChoices):
    PATIENT = "patient", _("the patient")
    FAMILY = "family", _("family member")
    GUARDIAN = "guardian", _("guardian")
    INTERPRETER = "interpreter", _("interpreter")
    DOCTOR = "doctor", _("referring doctor")


class Scope(models.TextChoices):
    """The parts of a case a portal grant opens. Where the case stands (its stage) is seen by every grant."""

    RECORDS = "records", _("medical records asked for")
    SCREENING = "screening", _("the screening")
    PAYMENTS = "payments", _("the quote, invoices and payments")
    ITINERARY = "itinerary", _("the itinerary")
    DOCUMENTS = "documents", _("documents")
    QUESTIONNAIRES = "questionnaires", _("follow-up questionnaires and reports")
    MESSAGES = "messages", _("messages with the care team")


ALL_SCOPES: tuple[str, ...] = tuple(Scope.values)


class GuardianDocument(models.TextChoices):
    """What a guardianship rests on: staff read it before setting the guardian up."""

    COURT_ORDER = "court_order", _("court order of guardianship")
    POWER_OF_ATTORNEY = "attorney", _("lasting power of attorney for health")
    PARENTAL = "parental", _("parental responsibility (birth certificate)")
    OTHER = "other", _("other legal document")


class PortalGrant(models.Model):
    """One person's way into one case: what they are to the patient, which parts they see, until when.

    A grant is never deleted: revoking sets `revoked_at`, so who could see what, and when, stays known.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="portal_grants")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="portal_grants")
    relation = models.CharField(max_length=16, choices=Relation.choices)
    scopes = models.JSONField(default=list)
    ends_on = models.DateField(null=True, blank=True)  # the last day the grant works; None for the patient's own
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    granted_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # A guardianship is set by staff from a document (a court order, a power of attorney): which, its reference, its date.
    document_kind = models.CharField(max_length=16, choices=GuardianDocument.choices, blank=True)
    document_reference = models.CharField(max_length=120, blank=True)
    document_date = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["case", "granted_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "case"], condition=Q(revoked_at__isnull=True), name="one_open_grant_per_person_and_case"
            ),
            models.UniqueConstraint(
                fields=["case"], condition=Q(revoked_at__isnull=True, relation="patient"), name="one_patient_grant_per_case"
            ),
            models.UniqueConstraint(
                fields=["case"], condition=Q(revoked_at__isnull=True, relation="guardian"), name="one_guardian_per_case"
            ),
            models.CheckConstraint(
                condition=~Q(relation="guardian") | (~Q(document_kind="") & ~Q(document_reference="") & Q(document_date__isnull=False)),
                name="guardian_set_from_a_document",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} → {self.case.code} ({self.relation})"

    def is_open_on(self, day: dt.date) -> bool:
        return self.revoked_at is None and (self.ends_on is None or day <= self.ends_on)

    def allows(self, scope: str) -> bool:
        return self.relation == Relation.PATIENT or scope in self.scopes

    @property
    def is_patient(self) -> bool:
        return self.relation == Relation.PATIENT

    @property
    def is_guardian(self) -> bool:
        return self.relation == Relation.GUARDIAN

    @property
    def acts_for_patient(self) -> bool:
        """The patient, or the guardian who acts in their place (signs consent, answers questionnaires)."""
        return self.relation in {Relation.PATIENT, Relation.GUARDIAN}


class FollowUpAnswers(models.Model):
    """The questionnaire of one follow-up point answered from home: the visit of reported scores it made in the
    outcomes registry, who answered and as what (the patient, or the guardian on their behalf)."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="+")
    assessment = models.OneToOneField("outcomes.FollowUpAssessment", on_delete=models.PROTECT, related_name="answered_at_home")
    visit = models.OneToOneField("outcomes.Visit", on_delete=models.PROTECT, related_name="+")
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    answered_as = models.CharField(max_length=16, choices=Relation.choices)
    answered_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.case.code} questionnaire for {self.assessment}"


class ReportKind(models.TextChoices):
    RELAPSE = "relapse", _("a relapse (my symptoms came back or got worse)")
    SYMPTOM = "symptom", _("a new symptom or health problem")


class ReviewDecision(models.TextChoices):
    """What a clinician made of a report from home (empty while it waits)."""

    ADVERSE_EVENT = "adverse_event", "Recorded as an adverse event"
    NOT_ADVERSE_EVENT = "not_adverse_event", "Judged not an adverse event"
    # A relapse of the patient's disease, recorded in the outcomes registry (outcomes.services.record_relapse).
    RELAPSE = "relapse", "Recorded as a relapse"


class PatientReport(models.Model):
    """A relapse or a new symptom reported from home: it reaches the care team as an adverse-event candidate, which
    a specialist or nurse reviews once (`portal.services.review_report`): recorded as an adverse event through the
    ward's own service, or judged not one, with who, when and a note. Who reported it, as what, and on whose behalf,
    is kept."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="portal_reports")
    kind = models.CharField(max_length=10, choices=ReportKind.choices)
    started_on = models.DateField()
    description = models.TextField(max_length=2000)
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reported_as = models.CharField(max_length=16, choices=Relation.choices)
    reported_at = models.DateTimeField(auto_now_add=True)
    # The review: empty while the report waits; set once, never changed.
    decision = models.CharField(max_length=20, choices=ReviewDecision.choices, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.TextField(max_length=2000, blank=True)
    adverse_event = models.OneToOneField(
        "treatment.AdverseEvent", null=True, blank=True, on_delete=models.PROTECT, related_name="portal_report"
    )
    # The relapse recorded in the outcomes registry from the review (decision "relapse").
    relapse = models.OneToOneField("outcomes.Relapse", null=True, blank=True, on_delete=models.PROTECT, related_name="portal_report")

    class Meta:
        ordering = ["case", "-reported_at"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(decision="") & Q(reviewed_at__isnull=True) & Q(reviewed_by__isnull=True))
                | (~Q(decision="") & Q(reviewed_at__isnull=False) & Q(reviewed_by__isnull=False)),
                name="portal_report_reviewed_by_someone_with_a_decision",
            ),
            models.CheckConstraint(
                condition=Q(decision="adverse_event", adverse_event__isnull=False)
                | (~Q(decision="adverse_event") & Q(adverse_event__isnull=True)),
                name="portal_report_adverse_event_iff_decided_so",
            ),
            models.CheckConstraint(
                condition=Q(decision="relapse", relapse__isnull=False) | (~Q(decision="relapse") & Q(relapse__isnull=True)),
                name="portal_report_relapse_iff_decided_so",
            ),
        ]
        indexes = [models.Index(fields=["reviewed_at", "-reported_at"], name="portal_report_review_queue")]

    def __str__(self) -> str:
        return f"{self.case.code} {self.kind} from {self.started_on}"


class VisaLetter(models.Model):
    """A visa invitation letter issued at once through the portal: the passport details the patient entered and the
    case's dates it was issued with (a later change of dates asks for a new letter; the old rows stay)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="visa_letters")
    name_in_passport = models.CharField(max_length=120)
    passport_number = models.CharField(max_length=20)
    nationality = models.CharField(max_length=60)
    date_of_birth = models.DateField()
    passport_expiry = models.DateField()
    arrival = models.DateField()
    departure = models.DateField()
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    issued_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["case", "-issued_at", "-id"]

    def __str__(self) -> str:
        return f"{self.case.code} visa letter {self.issued_at:%Y-%m-%d}"
