"""Pay links: a signed, expiring address at Cellway for one invoice, mailed to the patient.

The link names the invoice only by its uuid and is signed with the site's key and a salt of its own
(django.core.signing), so it cannot be forged or turned into another invoice's; it works PAY_LINK_DAYS days.
Each press of its "Pay by card" button opens a fresh Checkout Session, so a link in an old mail still works.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.db import transaction
from django.urls import reverse

from cellway.accounts.models import User
from cellway.billing.models import Invoice
from cellway.billing.selectors import invoice_states
from cellway.billing.services import PAYABLE
from cellway.cases import notify
from cellway.cases.events import EventKind
from cellway.cases.models import Case
from cellway.cases.services import lock_case, record_event, require_perm
from cellway.errors import Refusal

SALT = "cellway.billing.pay-link"

# The patient record keeps the language as it was written at the inquiry ("Arabic", "Chinese").
LANGUAGE_NAMES = {"english": "en", "arabic": "ar", "chinese": "zh-hans", "simplified chinese": "zh-hans", "mandarin": "zh-hans"}


def _signer() -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=SALT)


def token_for(invoice: Invoice) -> str:
    return _signer().sign(str(invoice.uuid))


def url_for(invoice: Invoice) -> str:
    """The full address, for a mail (no request is there to say where Cellway is: PUBLIC_URL)."""
    return settings.PUBLIC_URL + reverse("billing:pay", kwargs={"token": token_for(invoice)})


@dataclass(frozen=True)
class PayLink:
    invoice_uuid: uuid.UUID
    expired: bool


def read(token: str) -> PayLink:
    """What a link says, and whether it is past its days. `signing.BadSignature` if it was tampered with."""
    value = _signer().unsign(token)
    try:
        invoice_uuid = uuid.UUID(value)
    except ValueError:
        raise signing.BadSignature("Not a pay link.") from None
    try:
        _signer().unsign(token, max_age=dt.timedelta(days=settings.PAY_LINK_DAYS))
    except signing.SignatureExpired:
        return PayLink(invoice_uuid, expired=True)
    return PayLink(invoice_uuid, expired=False)


def language_of(case: Case) -> str:
    """The language to write to the patient in: the site language they wrote in, else the one on their record."""
    languages = {code for code, _name in settings.LANGUAGES}
    inquiry = case.inquiry
    if inquiry is not None and inquiry.site_language in languages:
        return inquiry.site_language
    return LANGUAGE_NAMES.get(case.patient.language.strip().lower(), settings.LANGUAGE_CODE)


pay_link_notice = notify.Notice("pay_link", patient=True)

# A patient asking for a new link from an expired one gets one mail per invoice in this many seconds.
RESEND_EVERY = 600


def check_send_pay_link(*, case: Case, by: User | None, invoice: Invoice | None = None) -> None:
    """Finance (or the patient, from an expired link: `by` None) sends the pay link of an open invoice to the patient."""
    if by is not None:
        require_perm(by, "billing.record_payment", "send pay links")
    if not case.patient.email:
        raise Refusal(f"{case.code} has no email address for the patient; copy the link and send it another way.")
    if case.stage_enum not in PAYABLE:
        raise Refusal(f"{case.code} is not paying now; no pay link is sent.")
    if invoice is not None:
        if invoice.case_id != case.pk:
            raise Refusal("That invoice is not one of this case's invoices.")
        if invoice.cancelled_at is not None:
            raise Refusal(f"Invoice {invoice.label} is cancelled; nothing can be paid against it.")
        state = next((s for s in invoice_states(case) if s.invoice.pk == invoice.pk), None)
        if state is None or state.settled:
            raise Refusal(f"Invoice {invoice.label} is paid; nothing more is owed on it.")


def send_pay_link(*, invoice: Invoice, by: User | None) -> bool:
    """Mail a fresh pay link for `invoice` to the patient alone, in their language; on the case's trail.

    Asked from an expired link (`by` None), at most one mail per invoice every RESEND_EVERY seconds
    (False when held back): the page cannot be used to flood the patient's inbox.
    """
    if by is None and not cache.add(f"pay-link-resend:{invoice.uuid}", 1, RESEND_EVERY):
        return False
    with transaction.atomic():
        case = lock_case(invoice.case_id)
        invoice.case = case
        check_send_pay_link(case=case, by=by, invoice=invoice)
        state = next(s for s in invoice_states(case) if s.invoice.pk == invoice.pk)
        who = "at the patient's request (an expired link)" if by is None else f"by {by}"
        summary = f"Pay link for invoice {invoice.label} sent to the patient {who}"
        record_event(case=case, by=by, kind=EventKind.PAYMENT, summary=summary, data={"invoice": str(invoice.uuid)})
        notify.later(
            pay_link_notice,
            case_id=case.pk,
            language=language_of(case),
            url=url_for(invoice),
            invoice=invoice.label,
            amount=f"{state.open_amount:,.2f}",
            currency=invoice.currency,
            due_on=invoice.due_on.isoformat(),
            days=settings.PAY_LINK_DAYS,
        )
    return True
