"""The evidence library and the condition pages built of claims that cite it.

A condition page is edited as a draft (sections of claims, each citing one or
more references); publishing it (``services.publish``) checks the rule and
freezes what visitors read into a ``PublishedPage`` row, so later edits change
nothing public until the page is published again, through the same check.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cellway.evidence import bibliography


class EvidenceKind(models.TextChoices):
    """What kind of study a reference reports: shown beside every claim that rests on it."""

    IN_VITRO = "in_vitro", _("laboratory study (in vitro), no patients")
    ANIMAL = "animal", _("animal studies")
    CASE_REPORT = "case_report", _("case report (one patient)")
    CASE_SERIES = "case_series", _("case series (no comparison group)")
    NON_RANDOMISED_TRIAL = "non_randomised_trial", _("non-randomised trial")
    RANDOMISED_TRIAL = "randomised_trial", _("randomised trial")
    SYSTEMATIC_REVIEW = "systematic_review", _("systematic review")
    REVIEW = "review", _("narrative review")
    CONSENSUS = "consensus", _("expert consensus")


class Reference(models.Model):
    """One published source in the evidence library: its CSL-JSON record, with each field's verification
    status in ``custom.field_status`` (see ``bibliography``), and the kind of evidence it is."""

    key = models.SlugField(max_length=80, unique=True, help_text="The CSL-JSON id.")
    csl = models.JSONField("CSL-JSON record")
    kind = models.CharField(max_length=32, choices=EvidenceKind.choices)
    note = models.TextField(blank=True, help_text="What was checked, and where a source qualifies the page's wording.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["key"]

    def __str__(self) -> str:
        return self.key

    @property
    def problems(self) -> list[str]:
        return bibliography.record_problems(self.csl)

    @property
    def is_verified(self) -> bool:
        return bibliography.is_verified(self.csl)

    @property
    def citation(self) -> str:
        return bibliography.format_reference(self.csl)


class PageStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"


class ConditionPage(models.Model):
    """A page about one condition the clinic treats, edited without code (title, summary and every claim in
    each of the site's languages)."""

    condition = models.OneToOneField("cases.Condition", on_delete=models.PROTECT, related_name="page")
    slug = models.SlugField(max_length=80, unique=True, help_text="Its address: /en/conditions/<slug>/")
    title = models.CharField(max_length=200)
    summary = models.TextField(max_length=2000, blank=True)
    status = models.CharField(max_length=16, choices=PageStatus.choices, default=PageStatus.DRAFT, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["slug"]
        permissions = [("publish_page", "Can publish a condition page")]

    def __str__(self) -> str:
        return self.title


class Section(models.Model):
    """A part of a condition page ("What the evidence says", "Case studies"): a heading and its claims."""

    page = models.ForeignKey(ConditionPage, on_delete=models.CASCADE, related_name="sections")
    position = models.PositiveSmallIntegerField(default=0)
    heading = models.CharField(max_length=200)

    class Meta:
        ordering = ["page", "position", "id"]

    def __str__(self) -> str:
        return f"{self.page.slug}: {self.heading}"


class Claim(models.Model):
    """One statement on a page, resting on the references it cites. A claim may be held back (kept in the
    draft, not shown), e.g. while its reference waits for a verified record."""

    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="claims")
    position = models.PositiveSmallIntegerField(default=0)
    text = models.TextField(max_length=2000)
    held_back = models.BooleanField(default=False, help_text="Kept in the draft but not published.")
    references = models.ManyToManyField(Reference, through="Citation", related_name="claims", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["section", "position", "id"]

    def __str__(self) -> str:
        return self.text[:80]


class Citation(models.Model):
    """A claim cites a reference; `position` orders the references within the claim."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="citations")
    reference = models.ForeignKey(Reference, on_delete=models.PROTECT, related_name="citations")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["claim", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["claim", "reference"], name="evidence_cite_once_per_claim")]


class PublishedPage(models.Model):
    """What visitors read of a condition page, frozen when it was published (the latest row is live).

    ``content``: title, summary and sections with claims in every language, each claim's citation numbers
    (first appearance) and the kinds of evidence behind it, and the numbered reference list.
    """

    page = models.ForeignKey(ConditionPage, on_delete=models.PROTECT, related_name="publications")
    published_at = models.DateTimeField(auto_now_add=True, db_index=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    content = models.JSONField()
    # When visitors stopped reading it: replaced by a newer publication, or the page withdrawn.
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-published_at", "-id"]
        get_latest_by = "published_at"

    def __str__(self) -> str:
        return f"{self.page.slug} published {self.published_at:%Y-%m-%d %H:%M}"
