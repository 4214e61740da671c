"""Price lists, quotes (versioned, from the signed plan), payments and balance overrides."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone

from cellway import limits
from cellway.audit.append_only import AppendOnlyMixin
from cellway.audit.signatures import Signature
from cellway.billing import pricing
from cellway.billing.money import LEDGER_DECIMALS, LEDGER_MAX_DIGITS, MONEY_DECIMALS, MONEY_MAX_DIGITS
from cellway.cases.models import Case
from cellway.clinic import clinic_today, clinic_zone

if TYPE_CHECKING:
    from django.db.models.expressions import Combinable


def money(**kwargs: Any) -> models.DecimalField[str | float | Decimal | Combinable, Decimal]:
    """An amount of money: Decimal, two places (the currency is stored beside it). Its size is in `billing.money`."""
    return models.DecimalField(max_digits=MONEY_MAX_DIGITS, decimal_places=MONEY_DECIMALS, **kwargs)


PRICE_FIELDS = [f.name for f in pricing.UnitPrices.__dataclass_fields__.values()]


class PriceList(models.Model):
    """The clinic's unit prices. One is active; a change makes a new version, so old quotes keep theirs."""

    version = models.PositiveIntegerField(unique=True)
    currency = models.CharField(max_length=3, default=settings.CLINIC_CURRENCY)
    # The latest version published (it may take effect later); the one in force on a day is `price_list_on(day)`.
    active = models.BooleanField(default=False)
    # The first day (clinic calendar) quotes are priced from this version; until then the one before holds.
    effective_from = models.DateField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    per_million_cells = money(validators=[MinValueValidator(0)])
    specialist_treatment = money(validators=[MinValueValidator(0)])
    certificate_of_analysis = money(validators=[MinValueValidator(0)])
    iv_infusion = money(validators=[MinValueValidator(0)])
    it_infusion = money(validators=[MinValueValidator(0)])
    supplementary_infusion = money(validators=[MinValueValidator(0)])
    physiotherapy_session = money(validators=[MinValueValidator(0)])
    occupational_session = money(validators=[MinValueValidator(0)])
    speech_session = money(validators=[MinValueValidator(0)])
    rehab_session = money(validators=[MinValueValidator(0)])
    hospital_room_day = money(validators=[MinValueValidator(0)])
    session_transport_day = money(validators=[MinValueValidator(0)])
    airport_transfer = money(validators=[MinValueValidator(0)])
    accommodation_night = money(validators=[MinValueValidator(0)])

    class Meta:
        ordering = ["-version"]
        constraints = [models.UniqueConstraint(fields=["active"], condition=models.Q(active=True), name="one_active_price_list")]
        permissions = [
            ("issue_quote", "Can issue and revise quotes"),
            ("record_acceptance", "Can record a patient's acceptance of a quote"),
            ("record_payment", "Can record payments"),
            ("override_balance", "Can let a session start with a balance open"),
            ("edit_price_list", "Can change the price list"),
            ("view_account", "Can see a case's quotes, payments, balance and overrides"),
            ("issue_credit_note", "Can issue credit notes and record refunds"),
            ("keep_exchange_rates", "Can enter the exchange rates finance keeps"),
        ]

    def __str__(self) -> str:
        return f"Price list v{self.version} ({self.currency})"

    def unit_prices(self) -> pricing.UnitPrices:
        return pricing.UnitPrices(**{name: getattr(self, name) for name in PRICE_FIELDS})


class QuoteStatus(models.TextChoices):
    ISSUED = "issued", "Issued"
    ACCEPTED = "accepted", "Accepted"
    SUPERSEDED = "superseded", "Superseded"


class Quote(models.Model):
    """The price of a signed plan, line by line. Versioned: a revision supersedes, never overwrites."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="quotes")
    version = models.PositiveSmallIntegerField()
    # By name: billing sits below plans (a signed plan issues its quote, not the other way round).
    plan = models.ForeignKey("plans.TherapyPlan", on_delete=models.PROTECT, related_name="quotes")
    price_list = models.ForeignKey(PriceList, on_delete=models.PROTECT, related_name="quotes")
    currency = models.CharField(max_length=3)
    package_tier = models.CharField(max_length=12)
    lines = models.JSONField()
    adjustment = money(default=Decimal(0))
    adjustment_reason = models.TextField(blank=True, max_length=limits.REASON)
    total = money()
    deposit = money()
    status = models.CharField(max_length=12, choices=QuoteStatus.choices, default=QuoteStatus.ISSUED)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    issued_at = models.DateTimeField(auto_now_add=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    acceptance_recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    acceptance_note = models.CharField(max_length=limits.SHORT, blank=True)
    # What exactly was accepted: the SHA-256 of the quote's content (`as_document`) when acceptance was recorded.
    accepted_digest = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["case", "-version"]
        constraints = [models.UniqueConstraint(fields=["case", "version"], name="one_quote_per_version")]

    def __str__(self) -> str:
        return f"{self.case.code} quote v{self.version}: {self.total} {self.currency}"

    @property
    def balance_amount(self) -> Decimal:
        return self.total - self.deposit

    @property
    def valid_until(self) -> dt.date:
        """The last day the quote can be accepted: QUOTE_VALID_DAYS from its issue, in the clinic's calendar."""
        issued = timezone.localtime(self.issued_at, clinic_zone()).date() if self.issued_at else clinic_today()
        return issued + dt.timedelta(days=settings.QUOTE_VALID_DAYS)

    def as_document(self) -> dict[str, object]:
        """What the patient is asked to accept, as printed: the case, the version, every line and the sums."""
        return {
            "case": self.case.code,
            "version": self.version,
            "currency": self.currency,
            "package_tier": self.package_tier,
            "lines": self.lines,
            "adjustment": str(self.adjustment),
            "adjustment_reason": self.adjustment_reason,
            "total": str(self.total),
            "deposit": str(self.deposit),
        }

    def document_digest(self) -> str:
        """SHA-256 of `as_document` in canonical JSON: recorded at acceptance, compared whenever it is shown."""
        canonical = json.dumps(self.as_document(), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(canonical.encode()).hexdigest()

    @property
    def acceptance_intact(self) -> bool:
        """The accepted content is what it was when accepted (always true for a quote not accepted)."""
        return not self.accepted_digest or self.accepted_digest == self.document_digest()


class Method(models.TextChoices):
    TRANSFER = "transfer", "Bank transfer"
    CARD = "card", "Card"
    CASH = "cash", "Cash"


def proof_path(payment: Payment, filename: str) -> str:
    """Where a payment's proof is stored: by payment, never by the name it came with (kept only as the last part)."""
    return f"payment-proofs/{payment.uuid}/{filename}"


class Payment(models.Model):
    """Money received against a case's accepted quote."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="payments")
    quote = models.ForeignKey(Quote, on_delete=models.PROTECT, related_name="payments")
    amount = money(validators=[MinValueValidator(Decimal("0.01"))])
    currency = models.CharField(max_length=3)
    method = models.CharField(max_length=12, choices=Method.choices)
    reference = models.CharField(max_length=limits.REFERENCE, help_text="Bank or card reference, as on the statement.")
    received_on = models.DateField()
    # None: recorded from the card processor's webhook (Stripe), not by a person.
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    # The card processor's own id of the money (Stripe's payment intent): one payment per id, whatever retries.
    provider_reference = models.CharField(max_length=255, blank=True, default="")
    # What of this payment the patient is owed back (a second card payment of an invoice already paid):
    # it sits on "refunds payable" in the journal, not against the receivable, until finance refunds it.
    refund_due = money(default=Decimal(0), validators=[MinValueValidator(0)])
    # The invoice it was recorded against (the first one open, unless finance named one); None before invoices.
    invoice = models.ForeignKey("Invoice", null=True, blank=True, on_delete=models.PROTECT, related_name="payments")
    # Set once, by `reverse_payment`, which writes the reason on a PaymentReversal and reverses the journal.
    reversed_at = models.DateTimeField(null=True, blank=True)
    # The bank's proof of a transfer (statement line or remittance advice: PDF, JPEG or PNG), typed by its content.
    proof = models.FileField(upload_to=proof_path, max_length=300, blank=True)
    proof_sha256 = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["case", "received_on", "recorded_at"]
        # The same statement line cannot be recorded twice (a double click, two of finance at once);
        # once reversed (a mistake), the line may be recorded again as it should have been.
        constraints = [
            models.UniqueConstraint(
                fields=["method", "reference"], condition=models.Q(reversed_at__isnull=True), name="one_payment_per_reference"
            ),
            models.UniqueConstraint(
                fields=["provider_reference"], condition=~models.Q(provider_reference=""), name="one_payment_per_provider_reference"
            ),
            models.CheckConstraint(
                condition=models.Q(refund_due__gte=0, refund_due__lte=models.F("amount")), name="payment_refund_due_within"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case.code} {self.amount} {self.currency} on {self.received_on}"


class PaymentReversal(AppendOnlyMixin, models.Model):
    """Why a recorded payment was taken back (append-only): a mistake is corrected by a reversal, never by editing."""

    payment = models.OneToOneField(Payment, on_delete=models.PROTECT, related_name="reversal")
    reason = models.TextField(max_length=limits.REASON)
    reversed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reversed_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Reversal of {self.payment}"


class InvoiceKind(models.TextChoices):
    DEPOSIT = "deposit", "Deposit"
    BALANCE = "balance", "Balance"


INVOICE_SERIES = "INV"


class Invoice(models.Model):
    """A demand for part of the accepted quote, due on a date that follows the case's dates (rule 6).

    Its number is gapless per series and year (django-sequences), taken when it is issued.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="invoices")
    quote = models.ForeignKey(Quote, on_delete=models.PROTECT, related_name="invoices")
    kind = models.CharField(max_length=12, choices=InvoiceKind.choices)
    series = models.CharField(max_length=8, default=INVOICE_SERIES)
    year = models.PositiveSmallIntegerField()
    number = models.PositiveIntegerField()
    amount = money(validators=[MinValueValidator(Decimal("0.01"))])
    currency = models.CharField(max_length=3)
    issued_on = models.DateField()
    due_on = models.DateField()
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    issued_at = models.DateTimeField(auto_now_add=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["case", "due_on", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["series", "year", "number"], name="one_invoice_per_number"),
            models.UniqueConstraint(
                fields=["quote", "kind"], condition=models.Q(cancelled_at__isnull=True), name="one_live_invoice_per_kind"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label} {self.case.code} {self.get_kind_display().lower()}"

    @property
    def label(self) -> str:
        """The invoice's number as printed: INV-2026-000042."""
        return f"{self.series}-{self.year}-{self.number:06d}"


class CheckoutStatus(models.TextChoices):
    PENDING = "pending", "Asked Stripe for a session"
    OPEN = "open", "Open"
    SUPERSEDED = "superseded", "Replaced by a newer press"
    EXPIRED = "expired", "Expired"
    COMPLETE = "complete", "Paid"
    FAILED = "failed", "Stripe refused it"


LIVE_CHECKOUT = (CheckoutStatus.PENDING, CheckoutStatus.OPEN)


class CheckoutAttempt(models.Model):
    """One press of "Pay by card" on an invoice's pay link: one Stripe Checkout Session.

    Each press makes a fresh session and expires the one before, so at most one is live per invoice
    (a constraint). Its idempotency key is `cellway-checkout-<invoice uuid>-<attempt>`: a retried
    request to Stripe gets the same session back, never a second one.
    """

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="checkout_attempts")
    attempt = models.PositiveIntegerField()
    idempotency_key = models.CharField(max_length=100, unique=True)
    # Stripe's id (cs_...), None until Stripe has answered.
    session_id = models.CharField(max_length=255, null=True, blank=True, unique=True)
    url = models.URLField(max_length=2000, blank=True)
    amount = money(validators=[MinValueValidator(Decimal("0.01"))])
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=12, choices=CheckoutStatus.choices, default=CheckoutStatus.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    payment = models.OneToOneField(Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="checkout")

    class Meta:
        ordering = ["invoice", "attempt"]
        constraints = [
            models.UniqueConstraint(fields=["invoice", "attempt"], name="one_checkout_per_attempt"),
            models.UniqueConstraint(
                fields=["invoice"], condition=models.Q(status__in=["pending", "open"]), name="one_live_checkout_per_invoice"
            ),
        ]

    def __str__(self) -> str:
        return f"Checkout {self.attempt} of invoice {self.invoice_id}: {self.status}"

    @staticmethod
    def key_for(invoice: Invoice, attempt: int) -> str:
        return f"cellway-checkout-{invoice.uuid}-{attempt}"


class StripeEvent(models.Model):
    """A webhook event from Stripe, stored once (its id is unique): a delivery again is a replay and changes nothing."""

    event_id = models.CharField(max_length=255, unique=True)
    type = models.CharField(max_length=100)
    session_id = models.CharField(max_length=255)
    attempt = models.ForeignKey(CheckoutAttempt, on_delete=models.PROTECT, related_name="events")
    # When Stripe made the event (its `created`), and when Cellway received and processed it.
    created = models.DateTimeField()
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=limits.SHORT, blank=True)

    class Meta:
        ordering = ["received_at", "pk"]

    def __str__(self) -> str:
        return f"{self.event_id} {self.type}"


class BalanceOverride(models.Model):
    """A finance manager's signed decision to let sessions start while a balance is open."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="balance_overrides")
    reason = models.TextField(max_length=limits.REASON)
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    granted_at = models.DateTimeField(auto_now_add=True)
    signature = models.OneToOneField(Signature, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-granted_at"]

    def __str__(self) -> str:
        return f"{self.case.code} override by {self.granted_by}"

    def as_signed_content(self) -> dict[str, object]:
        """What the finance manager's signature covers (its digest is checked whenever the override is shown)."""
        return {"case": self.case.code, "reason": self.reason}


class LedgerAccount(models.TextChoices):
    """The accounts of a case's journal. Debit-normal: receivable and the money accounts; the rest credit-normal."""

    RECEIVABLE = "receivable", "Patient receivable"
    BANK = "bank", "Bank"
    CASH = "cash", "Cash"
    STRIPE_CLEARING = "stripe_clearing", "Stripe clearing"
    DEFERRED_REVENUE = "deferred_revenue", "Deferred revenue"
    REVENUE = "revenue", "Revenue"
    REFUNDS_PAYABLE = "refunds_payable", "Refunds payable"


# Where received money sits, by how it came.
MONEY_ACCOUNTS = {Method.TRANSFER: LedgerAccount.BANK, Method.CASH: LedgerAccount.CASH, Method.CARD: LedgerAccount.STRIPE_CLEARING}


class EntryKind(models.TextChoices):
    CHARGE = "charge", "Charge"
    PAYMENT = "payment", "Payment"
    REVERSAL = "reversal", "Reversal"
    CREDIT_NOTE = "credit_note", "Credit note"
    REFUND = "refund", "Refund"


class JournalEntry(AppendOnlyMixin, models.Model):
    """One money movement of a case, as written by the billing service that made it (append-only).

    A mistake is never edited: a reversal entry moves the same amounts back.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="journal")
    kind = models.CharField(max_length=12, choices=EntryKind.choices)
    memo = models.CharField(max_length=limits.SHORT)
    payment = models.ForeignKey(Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="entries")
    reverses = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["case", "created_at", "pk"]
        verbose_name_plural = "journal entries"

    def __str__(self) -> str:
        return f"{self.case.code} {self.kind}: {self.memo}"


class JournalLine(AppendOnlyMixin, models.Model):
    """An amount moved from one account (credited) to another (debited), in one currency (append-only).

    Why this shape rather than signed single-account lines: a line that debits one account and credits
    another by the same positive amount cannot be out of balance, so every entry (a set of such lines)
    sums to zero per currency by construction. The CHECK constraints below keep that true for any
    INSERT, raw SQL included, on SQLite and PostgreSQL alike, without a deferred trigger.
    """

    entry = models.ForeignKey(JournalEntry, on_delete=models.PROTECT, related_name="lines")
    debit = models.CharField(max_length=20, choices=LedgerAccount.choices)
    credit = models.CharField(max_length=20, choices=LedgerAccount.choices)
    amount = models.DecimalField(max_digits=LEDGER_MAX_DIGITS, decimal_places=LEDGER_DECIMALS)
    currency = models.CharField(max_length=3)

    class Meta:
        ordering = ["entry", "pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="journal_line_amount_positive"),
            models.CheckConstraint(condition=~models.Q(debit=models.F("credit")), name="journal_line_two_accounts"),
            models.CheckConstraint(condition=models.Q(debit__in=LedgerAccount.values), name="journal_line_debit_known"),
            models.CheckConstraint(condition=models.Q(credit__in=LedgerAccount.values), name="journal_line_credit_known"),
        ]

    def __str__(self) -> str:
        return f"Dr {self.debit} / Cr {self.credit} {self.amount} {self.currency}"


CREDIT_NOTE_SERIES = "CN"


class CancellationReason(models.TextChoices):
    """Why the case ended, as the cancellation policy reads it (`billing.cancellation.Reason`)."""

    DECLINED = "declined", "Declined by the patient"
    REFUSED = "refused", "Refused by the clinic"
    WITHDRAWN = "withdrawn", "Withdrawn"
    SCREENING = "screening", "Refused: screening judged unsatisfactory"


class CreditNote(AppendOnlyMixin, models.Model):
    """What is taken off an accepted quote's price when its case ends: the refund and what is no longer owed.

    Numbered gapless per year in its own series (CN-2026-000001), like invoices; written once, with its
    journal entry, by `billing.services.issue_credit_note`, and never changed (append-only).
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="credit_notes")
    quote = models.ForeignKey(Quote, on_delete=models.PROTECT, related_name="credit_notes")
    series = models.CharField(max_length=8, default=CREDIT_NOTE_SERIES)
    year = models.PositiveSmallIntegerField()
    number = models.PositiveIntegerField()
    reason = models.CharField(max_length=12, choices=CancellationReason.choices)
    note = models.TextField(max_length=limits.REASON, help_text="Finance's words on the record.")
    # The policy's explanation, row by row: [{"label": ..., "amount": "..."}], as printed.
    lines = models.JSONField()
    amount = money(validators=[MinValueValidator(Decimal("0.01"))])  # taken off the price
    refund = money(validators=[MinValueValidator(Decimal(0))])  # of which paid back to the patient
    retained = money(validators=[MinValueValidator(Decimal(0))])  # kept by the clinic under the policy
    currency = models.CharField(max_length=3)
    days_before_arrival = models.IntegerField(null=True, blank=True)
    percent = models.DecimalField(max_digits=5, decimal_places=2)
    issued_on = models.DateField()
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    issued_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["case", "issued_at"]
        constraints = [
            models.UniqueConstraint(fields=["series", "year", "number"], name="one_credit_note_per_number"),
            # A case ends once: its accepted quote is credited once (a double click issues one).
            models.UniqueConstraint(fields=["quote"], name="one_credit_note_per_quote"),
            models.CheckConstraint(condition=models.Q(refund__lte=models.F("amount")), name="credit_note_refund_within_amount"),
        ]

    def __str__(self) -> str:
        return f"{self.label} {self.case.code}"

    @property
    def label(self) -> str:
        """The credit note's number as printed: CN-2026-000007."""
        return f"{self.series}-{self.year}-{self.number:06d}"


class RefundStatus(models.TextChoices):
    DUE = "due", "To make"
    DONE = "done", "Made"


class Refund(models.Model):
    """Money to pay back under a credit note: a task for finance until it is made (bank transfer), or
    a card refund through the payment provider. `record_refund` marks it made and writes the journal."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    credit_note = models.OneToOneField(CreditNote, on_delete=models.PROTECT, related_name="refund_task")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="refunds")
    amount = money(validators=[MinValueValidator(Decimal("0.01"))])
    currency = models.CharField(max_length=3)
    method = models.CharField(max_length=12, choices=Method.choices, default=Method.TRANSFER)
    status = models.CharField(max_length=8, choices=RefundStatus.choices, default=RefundStatus.DUE)
    reference = models.CharField(max_length=limits.REFERENCE, blank=True, help_text="The bank's reference of the transfer out.")
    paid_on = models.DateField(null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(null=True, blank=True)
    # Card refunds: how many times Stripe refused this refund (each new try has its own idempotency key).
    card_attempt = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="due", paid_on__isnull=True) | models.Q(status="done", paid_on__isnull=False),
                name="refund_made_has_a_date",
            ),
        ]

    def __str__(self) -> str:
        return f"Refund {self.amount} {self.currency} under {self.credit_note.label}"


class ExchangeRate(models.Model):
    """One unit of `base` is worth `rate` of `target` from `effective_from` on, as finance entered it.

    Used only for indicative amounts in the patient's currency; never fetched at run time.
    """

    base = models.CharField(max_length=3)
    target = models.CharField(max_length=3)
    rate = models.DecimalField(max_digits=18, decimal_places=8, validators=[MinValueValidator(Decimal("0.00000001"))])
    effective_from = models.DateField()
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    entered_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["base", "target", "-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["base", "target", "effective_from"], name="one_rate_per_pair_and_day"),
            models.CheckConstraint(condition=models.Q(rate__gt=0), name="exchange_rate_positive"),
            models.CheckConstraint(condition=~models.Q(base=models.F("target")), name="exchange_rate_two_currencies"),
        ]

    def __str__(self) -> str:
        return f"1 {self.base} = {self.rate} {self.target} from {self.effective_from}"


def deposit_due_on(arrival: dt.date) -> dt.date:
    return arrival - dt.timedelta(days=settings.DEPOSIT_DAYS_BEFORE_ARRIVAL)


def balance_due_on(first_therapy_day: dt.date) -> dt.date:
    return first_therapy_day - dt.timedelta(days=settings.BALANCE_DAYS_BEFORE_THERAPY)


def price_label(name: str) -> str:
    """The human name of a price list field, e.g. 'iv infusion'."""
    field = PriceList._meta.get_field(name)
    return str(getattr(field, "verbose_name", name))
