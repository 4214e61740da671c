"""The quote and account panels of the case page."""

from __future__ import annotations

from django.conf import settings
from django.db.models import OuterRef

from cellway.audit.services import check_signed
from cellway.billing import paylinks, refunds, selectors, stripe_api
from cellway.billing.models import Quote, balance_due_on, deposit_due_on
from cellway.billing.paylinks import check_send_pay_link
from cellway.billing.refunds import check_issue_credit_note, check_record_refund, check_refund_by_card
from cellway.billing.services import (
    check_accept_quote,
    check_override_balance,
    check_record_payment,
    check_reverse_payment,
    check_revise_quote,
)
from cellway.cases.parts import Part
from cellway.cases.stages import ENDINGS
from cellway.clinic import clinic_today
from cellway.console.billing import forms
from cellway.console.panels import CasePage, Panel
from cellway.errors import allowed

HOLDS = {"quotes": Quote.objects.filter(case=OuterRef("pk"))}


def _quotes(page: CasePage) -> list[Quote]:
    versions: list[Quote] = page.once("quotes", lambda: selectors.quotes(page.case) if page.holds("quotes") else [])
    return versions


def quote(page: CasePage) -> Panel | None:
    if not page.reads(Part.MONEY):
        return None
    versions = _quotes(page)
    if not versions:
        return None
    case, user = page.case, page.user
    current = next((q for q in versions if q.status in ("issued", "accepted")), None)
    return Panel(
        "quote",
        "console/panels/quote.html",
        {
            "current": current,
            "earlier": [q for q in versions if q is not current],
            "can_accept": current is not None and current.status == "issued" and allowed(check_accept_quote, case=case, by=user),
            "can_revise": allowed(check_revise_quote, case=case, by=user),
            "revise_form": page.form("revise_quote", forms.ReviseQuoteForm),
            "revise_open": page.is_open("revise_quote"),
        },
    )


def account(page: CasePage) -> Panel | None:
    """Due dates with amounts, payments, and the balance override."""
    if not page.reads(Part.MONEY):
        return None
    case, user = page.case, page.user
    versions = _quotes(page)
    accepted = next((q for q in versions if q.status == "accepted"), None)
    if accepted is None:
        return None
    paid_rows = selectors.payments(case)
    acct = selectors.account_of(accepted)  # the quotes carry the journal's sums: no query more
    suggested = accepted.deposit - acct.paid if not acct.deposit_paid else acct.outstanding
    return Panel(
        "account",
        "console/panels/account.html",
        {
            "account": acct,
            "deposit_due": deposit_due_on(case.arrival_date) if case.arrival_date else None,
            "balance_due": balance_due_on(case.first_therapy_day) if case.first_therapy_day else None,
            "payments": paid_rows,
            "overrides": [
                (o, check_signed(signature=o.signature, content=o.as_signed_content(), seen_by=user)) for o in selectors.overrides(case)
            ],
            "can_pay": allowed(check_record_payment, case=case, by=user),
            "can_reverse": allowed(check_reverse_payment, case=case, by=user),
            "reverse_form": page.form("reverse_payment", forms.ReversePaymentForm),
            "reverse_open": page.is_open("reverse_payment"),
            "payment_form": page.form("payment", lambda: forms.PaymentForm(initial={"amount": suggested, "received_on": clinic_today()})),
            # Each open invoice's pay link, to copy or to mail to the patient (the same check as the service).
            # Finance's tool (one query more, for them only): whoever else reads the account sees the amounts above.
            "pay_links": [
                (state, paylinks.url_for(state.invoice)) for state in selectors.invoice_states(case, acct.paid) if not state.settled
            ]
            if user.has_perm("billing.record_payment")
            else [],
            "can_send_pay_link": allowed(check_send_pay_link, case=case, by=user),
            "card_payments": stripe_api.configured(),
            "pay_link_days": settings.PAY_LINK_DAYS,
            "can_override": allowed(check_override_balance, case=case, by=user),
            "override_form": page.form("override", forms.OverrideForm),
            "override_open": page.is_open("override"),
        },
    )


def refund(page: CasePage) -> Panel | None:
    """For a declined, refused or withdrawn case: what the policy gives back (itemised), the credit note, the refund."""
    if page.case.stage_enum not in ENDINGS or not page.reads(Part.MONEY):
        return None
    accepted = next((q for q in _quotes(page) if q.status == "accepted"), None)
    if accepted is None:
        return None
    case, user = page.case, page.user
    notes = refunds.credit_notes(case)
    can_issue = allowed(check_issue_credit_note, case=case, by=user)
    decision = refunds.policy_decision(case) if can_issue else None
    due = [n.refund_task for n in notes if getattr(n, "refund_task", None) is not None and n.refund_task.status == "due"]
    return Panel(
        "refund",
        "console/panels/refund.html",
        {
            "notes": notes,
            "decision": decision,
            "can_issue": can_issue,
            "issue_form": page.form(
                "credit_note", lambda: forms.CreditNoteForm(initial={"refund": decision.refundable if decision else None})
            ),
            "issue_open": page.is_open("credit_note"),
            "record": [(r, allowed(check_record_refund, refund=r, by=user)) for r in due],
            "to_card": [r for r in due if r.method == "card" and allowed(check_refund_by_card, credit_note=r.credit_note, by=user)],
            "record_form": page.form("record_refund", forms.RecordRefundForm),
            "today": clinic_today(),
        },
    )
