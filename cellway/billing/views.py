"""The pay link's pages (public, in the patient's language) and Stripe's webhook."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from decimal import Decimal
from email.utils import parseaddr
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.csp import CSP
from django.utils.formats import date_format
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from cellway.billing import checkout, paylinks, stripe_api
from cellway.billing.models import Invoice
from cellway.billing.money import format_money
from cellway.billing.selectors import invoice_states
from cellway.billing.services import PAYABLE
from cellway.errors import Refusal

log = logging.getLogger(__name__)


def _language(request: HttpRequest, invoice: Invoice | None) -> str:
    """The page's language: the one the visitor picked (?lang=), else the patient's, else the site's."""
    chosen = request.GET.get("lang", "")
    if chosen in {code for code, _name in settings.LANGUAGES}:
        return chosen
    return paylinks.language_of(invoice.case) if invoice is not None else settings.LANGUAGE_CODE


def _invoice(link: paylinks.PayLink) -> Invoice:
    invoice = Invoice.objects.select_related("case__patient", "case__inquiry").filter(uuid=link.invoice_uuid).first()
    if invoice is None:
        raise Http404("No such invoice.")
    return invoice


def _problem(request: HttpRequest, token: str, *, expired: bool, invoice: Invoice | None, sent: bool | None = None) -> HttpResponse:
    """A link that is too old (410: it can send a new one) or was tampered with (400)."""
    with translation.override(_language(request, invoice)):
        context = {"token": token, "expired": expired, "sent": sent, "clinic_email": parseaddr(settings.DEFAULT_FROM_EMAIL)[1]}
        return render(request, "billing/pay/link_problem.html", context, status=410 if expired else 400)


def _link_page(view: Callable[[HttpRequest, str, Invoice], HttpResponse]) -> Callable[[HttpRequest, str], HttpResponse]:
    """A pay link's page: the link read and checked (a tampered link 400, an expired one 410, each with its page), the
    invoice fetched (404 if gone), and the view run in the page's language with it."""

    @functools.wraps(view)
    def page(request: HttpRequest, token: str) -> HttpResponse:
        try:
            link = paylinks.read(token)
        except signing.BadSignature:
            return _problem(request, token, expired=False, invoice=None)
        invoice = _invoice(link)
        if link.expired:
            return _problem(request, token, expired=True, invoice=invoice)
        with translation.override(_language(request, invoice)):
            return view(request, token, invoice)

    return page


def checkout_origins() -> list[str]:
    """Where the pay page's form may lead (its Content-Security-Policy's form-action): Stripe's hosted Checkout, or the
    origin STRIPE_API_BASE names when it points elsewhere (the local fake serves its checkout page there)."""
    origins = ["https://checkout.stripe.com"]
    base = urlsplit(settings.STRIPE_API_BASE)
    if base.hostname != "api.stripe.com":
        origins.append(f"{base.scheme}://{base.netloc}")
    return origins


def _allow_checkout(response: HttpResponse) -> HttpResponse:
    """The site's policy, with the form allowed to lead (by the 303 after it) to Stripe's page."""
    policy: dict[str, Any] = dict(settings.SECURE_CSP)
    allowed = [str(source) for source in policy.get("form-action") or [CSP.SELF]]
    config = {**policy, "form-action": [*allowed, *checkout_origins()]}
    response._csp_config = config  # type: ignore[attr-defined]  # what django.views.decorators.csp.csp_override sets
    return response


def _page(request: HttpRequest, token: str, invoice: Invoice, *, refusal: str = "", status: int = 200) -> HttpResponse:
    case = invoice.case
    state = next((s for s in invoice_states(case) if s.invoice.pk == invoice.pk), None)
    locale = translation.to_locale(translation.get_language() or settings.LANGUAGE_CODE)
    open_amount = state.open_amount if state is not None else Decimal(0)
    context: dict[str, Any] = {
        "token": token,
        "invoice": invoice,
        "amount": format_money(invoice.amount, invoice.currency, locale),
        "open": format_money(open_amount, invoice.currency, locale),
        "due": date_format(invoice.due_on, "DATE_FORMAT"),
        "settled": state is not None and state.settled,
        "cancelled": invoice.cancelled_at is not None,
        "closed": case.stage_enum not in PAYABLE,
        "card": stripe_api.configured(),
        "bank": settings.CLINIC_BANK_DETAILS,
        "returned_paid": request.GET.get("paid") == "1",
        "refusal": refusal,
        "languages": settings.LANGUAGES,
    }
    return _allow_checkout(render(request, "billing/pay/pay.html", context, status=status))


@never_cache
@require_GET
@_link_page
def pay(request: HttpRequest, token: str, invoice: Invoice) -> HttpResponse:
    """The pay link's page: what is open on the invoice and a "Pay by card" button (Stripe's hosted Checkout)."""
    return _page(request, token, invoice)


@never_cache
@require_POST
@_link_page
def pay_by_card(request: HttpRequest, token: str, invoice: Invoice) -> HttpResponse:
    """A press of "Pay by card": a fresh Checkout Session, and off to Stripe's page (303)."""
    return_url = request.build_absolute_uri(reverse("billing:pay", kwargs={"token": token}))
    try:
        attempt = checkout.start_checkout(invoice, return_url=return_url)
    except Refusal as refusal:
        invoice.refresh_from_db()
        return _page(request, token, invoice, refusal=refusal.message, status=409)
    if not attempt.url:  # a newer press replaced this one while Stripe answered: its page is the one to use
        return redirect(reverse("billing:pay", kwargs={"token": token}))
    to_stripe = HttpResponseRedirect(attempt.url)
    to_stripe.status_code = 303  # after a POST: the browser GETs Stripe's page
    return to_stripe


@never_cache
@require_POST
def new_link(request: HttpRequest, token: str) -> HttpResponse:
    """From an expired link: mail a fresh one to the address the clinic has for the patient (never one typed here)."""
    try:
        link = paylinks.read(token)
    except signing.BadSignature:
        return _problem(request, token, expired=False, invoice=None)
    invoice = _invoice(link)
    try:
        sent = paylinks.send_pay_link(invoice=invoice, by=None)
    except Refusal:
        sent = False
    return _problem(request, token, expired=link.expired, invoice=invoice, sent=sent)


@csrf_exempt  # Stripe's POST carries no cookie and no token: its signature, checked on the raw body, is the proof
@require_POST
def stripe_webhook(request: HttpRequest) -> HttpResponse:
    """Stripe's events: verified, stored once, processed by a task that re-reads the session from Stripe's API."""
    secret = settings.STRIPE_WEBHOOK_SECRET
    if not secret:
        return _plain("Card payments are not configured here: STRIPE_WEBHOOK_SECRET is not set.", 503)
    signature = request.headers.get("Stripe-Signature", "")
    if not signature:
        return _plain("Refused: no Stripe-Signature header.", 400)
    import stripe  # here, not at start-up: it costs 0.2 s in every process that loads the URLs (stripe_api.py)

    try:
        event = stripe.Webhook.construct_event(request.body, signature, secret, tolerance=settings.STRIPE_WEBHOOK_TOLERANCE)
    except ValueError:
        return _plain("Refused: the body is not a Stripe event.", 400)
    except stripe.SignatureVerificationError as error:
        return _plain(f"Refused: {error.user_message or 'signature does not match'}.", 400)
    try:
        received = checkout.receive_event(event.to_dict())
    except (KeyError, TypeError, ValueError):
        return _plain("Refused: the event does not have the shape of a Checkout Session event.", 400)
    if received.event_pk is not None:
        from cellway.billing.tasks import process_stripe_event

        event_pk = received.event_pk
        transaction.on_commit(lambda: process_stripe_event.enqueue(event_pk=event_pk))
    return _plain(received.reason, received.status)


def _plain(text: str, status: int) -> HttpResponse:
    return HttpResponse(text + "\n", status=status, content_type="text/plain; charset=utf-8")
