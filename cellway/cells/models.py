"""Cell products: lots, their vials, release testing, and the custody trail (append-only).

`Lot.status` and `Vial.status` are written only by `cellway.cells.services`,
which writes the matching `LotEvent` in the same transaction; the events are
the history, the status fields are where things stand now.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from cellway import limits
from cellway.audit.append_only import AppendOnlyMixin
from cellway.audit.signatures import Signature
from cellway.cases.models import Case
from cellway.cells import isbt128, release

MAX_VIALS = 99


def plain(value: Decimal) -> Decimal:
    """A stored decimal without its trailing zeros and never in exponent form (70.0000 -> 70, not 7E+1)."""
    return Decimal(format(value.normalize(), "f"))  # a vial is a division of the lot's product code: two digits


class Product(models.Model):
    """A cell product the clinic makes (Wharton's-jelly MSCs, Passage 2), its code, storage range and specification."""

    code = models.SlugField(max_length=32, unique=True)
    name = models.CharField(max_length=limits.NAME)
    storage_min_c = models.DecimalField("lowest storage temperature (°C)", max_digits=5, decimal_places=1)
    storage_max_c = models.DecimalField("highest storage temperature (°C)", max_digits=5, decimal_places=1)
    transport_min_c = models.DecimalField("lowest hand-over temperature (°C)", max_digits=5, decimal_places=1)
    transport_max_c = models.DecimalField("highest hand-over temperature (°C)", max_digits=5, decimal_places=1)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def specification(self) -> tuple[release.Criterion, ...]:
        return tuple(c.as_criterion() for c in self.criteria.all())


class SpecCriterion(models.Model):
    """One line of a product's release specification (defaults: cellway.cells.release)."""

    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="criteria")
    position = models.PositiveSmallIntegerField()
    code = models.SlugField(max_length=32)
    name = models.CharField(max_length=limits.NAME)
    kind = models.CharField(max_length=8, choices=[(k.value, k.name.replace("_", " ").lower()) for k in release.Kind])
    unit = models.CharField(max_length=20, blank=True)
    limit = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    expected = models.CharField(max_length=60, blank=True)
    bound = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)

    class Meta:
        ordering = ["product", "position"]
        constraints = [models.UniqueConstraint(fields=["product", "code"], name="one_criterion_per_code")]

    def __str__(self) -> str:
        return f"{self.product}: {self.as_criterion().shown}"

    def as_criterion(self) -> release.Criterion:
        limit = plain(self.limit) if self.limit is not None else None
        bound = plain(self.bound) if self.bound is not None else None
        return release.Criterion(self.code, self.name, release.Kind(self.kind), self.unit, limit, self.expected, bound)


class LotStatus(models.TextChoices):
    QUARANTINE = "quarantine", "Quarantine (testing)"
    RELEASED = "released", "Released"
    REJECTED = "rejected", "Rejected"
    ON_HOLD = "on_hold", "On hold"
    DISCARDED = "discarded", "Discarded"


class Lot(models.Model):
    """One lot of a cell product from one umbilical-cord donation, identified by its DIN."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="lots")
    din = models.CharField("DIN", max_length=13, unique=True, editable=False)
    status = models.CharField(max_length=12, choices=LotStatus.choices, default=LotStatus.QUARANTINE, editable=False)
    donor_id = models.CharField("donor identification", max_length=40)
    collection_date = models.DateField()
    consent_on_file = models.BooleanField(default=False)
    donor_eligible = models.BooleanField("donor eligibility on file", default=False)
    processing = models.TextField("processing steps with dates", max_length=limits.NOTE)
    passage = models.PositiveSmallIntegerField(validators=[MinValueValidator(0), MaxValueValidator(20)])
    cells_per_vial = models.PositiveBigIntegerField(validators=[MinValueValidator(1_000_000), MaxValueValidator(1_000_000_000)])
    vial_count = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(MAX_VIALS)])
    vial_volume_ml = models.DecimalField("volume per vial (mL)", max_digits=6, decimal_places=2)
    storage_location = models.CharField(max_length=80)
    storage_temperature_c = models.DecimalField("storage temperature (°C)", max_digits=5, decimal_places=1)
    expires_at = models.DateTimeField()
    received_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    received_at = models.DateTimeField(auto_now_add=True)
    signature = models.OneToOneField(Signature, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    released_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    released_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True, max_length=limits.REASON)

    class Meta:
        ordering = ["-received_at"]
        permissions = [
            ("view_lots", "Can see cell lots, their tests and custody"),
            ("record_lot", "Can receive lots and record release tests"),
            ("release_lot", "Can release or reject lots (signed)"),
            ("keep_specification", "Can change a product's release specification"),
            ("allocate_vials", "Can allocate vials to planned infusions"),
            ("hand_over", "Can hand vials over in the chain of custody"),
        ]

    def __str__(self) -> str:
        return f"{self.din} {self.product}"

    @property
    def din_value(self) -> isbt128.Din:
        return isbt128.parse_din(self.din)


class VialStatus(models.TextChoices):
    IN_STORE = "in_store", "In the laboratory"
    ALLOCATED = "allocated", "Allocated"
    DISPATCHED = "dispatched", "Dispatched"
    ADMINISTERED = "administered", "Administered"
    DISCARDED = "discarded", "Discarded"


class ChainOfIdentity(models.Model):
    """One identifier per patient's therapy (ISBT 128 data structure 040), printed on every patient-specific label."""

    case = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="chain_of_identity")
    coi = models.CharField("Chain of Identity", max_length=13, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.coi

    @property
    def value(self) -> isbt128.Din:
        return isbt128.parse_din(self.coi)


class Route(models.TextChoices):
    IV = "iv", "intravenous"
    IT = "it", "intrathecal"


class Vial(models.Model):
    """One vial of a lot: division `number` of the lot's product code. Allocated to one planned infusion at most."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="vials")
    number = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=12, choices=VialStatus.choices, default=VialStatus.IN_STORE, editable=False)
    holder = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    location = models.CharField(max_length=80, blank=True)
    # The planned infusion it is allocated to: the case, the route and which of that route's infusions (1 of 2).
    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.PROTECT, related_name="vials")
    route = models.CharField(max_length=2, choices=Route.choices, blank=True)
    infusion = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["lot", "number"]
        constraints = [models.UniqueConstraint(fields=["lot", "number"], name="one_vial_per_number")]

    def __str__(self) -> str:
        return f"{self.lot.din} vial {self.number}"

    @property
    def division(self) -> str:
        return f"{self.number:02d}"


class TestResult(AppendOnlyMixin, models.Model):
    """A release test result as measured: value or finding, unit, method, who measured it. A correction is a new row."""

    __test__ = False  # not a pytest class

    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="results")
    code = models.SlugField(max_length=32)
    value = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    text = models.CharField(max_length=60, blank=True)
    unit = models.CharField(max_length=20, blank=True)
    method = models.CharField(max_length=120)
    measured_by = models.CharField(max_length=limits.NAME)
    measured_on = models.DateField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["lot", "code", "-recorded_at", "-id"]

    def __str__(self) -> str:
        return f"{self.lot_id} {self.code} {self.as_result().shown}"

    def as_result(self) -> release.Result:
        value = plain(self.value) if self.value is not None else None
        return release.Result(self.code, value, self.text, self.unit)


class LotEventKind(models.TextChoices):
    RECEIVED = "received", "Received into quarantine"
    RESULT = "result", "Test result"
    SPECIFICATION = "specification", "Specification changed"
    RELEASED = "released", "Released"
    REJECTED = "rejected", "Rejected"
    ON_HOLD = "on_hold", "On hold"
    HOLD_JUDGED = "hold_judged", "Hold judged"
    ALLOCATED = "allocated", "Allocated"
    HANDED_OVER = "handed_over", "Handed over"
    BEDSIDE_REFUSED = "bedside_refused", "Bedside check refused"
    BEDSIDE_PASSED = "bedside_passed", "Bedside check passed"
    ADMINISTERED = "administered", "Administered"
    DISCARDED = "discarded", "Discarded"
    LABEL_PRINTED = "label_printed", "Label printed"


class LotEvent(AppendOnlyMixin, models.Model):
    """One thing that happened to a lot or one of its vials: who, when, what, the numbers. Append-only."""

    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="events")
    vial = models.ForeignKey(Vial, null=True, blank=True, on_delete=models.PROTECT, related_name="events")
    at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20, choices=LotEventKind.choices)
    summary = models.CharField(max_length=300)
    reason = models.TextField(blank=True, max_length=limits.REASON)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["lot", "-at"])]

    def __str__(self) -> str:
        return f"{self.lot_id} {self.kind} {self.summary}"


class DinCounter(models.Model):
    """The last sequence number issued for a facility in a year: DINs and Chain of Identity identifiers share it, so never collide."""

    facility = models.CharField(max_length=5)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["facility", "year"], name="one_counter_per_facility_year")]

    def __str__(self) -> str:
        return f"{self.facility} {self.year}: {self.last}"
