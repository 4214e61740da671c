"""Billing pages: the price list."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from cellway.accounts.models import User
from cellway.billing import services
from cellway.billing.models import PRICE_FIELDS, PriceList, price_label
from cellway.console.billing import forms
from cellway.errors import Refusal


@login_required
def price_list(request: HttpRequest) -> HttpResponse:
    """The active price list and its history; the clinic administrator publishes a new version."""
    user: User = request.user  # type: ignore[assignment]
    if not (user.has_perm("billing.edit_price_list") or user.has_perm("billing.issue_quote")):
        raise PermissionDenied("The price list is for finance and the clinic administrator.")
    active = PriceList.objects.filter(active=True).select_related("created_by").first()
    initial = {name: getattr(active, name) for name in PRICE_FIELDS} | {"currency": active.currency} if active else {}
    form = forms.PriceListForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if not user.has_perm("billing.edit_price_list"):
            raise PermissionDenied("Only the clinic administrator changes the price list.")
        if form.is_valid():
            data = dict(form.cleaned_data)
            currency = data.pop("currency").upper()
            try:
                new = services.publish_price_list(by=user, currency=currency, prices=data)
            except Refusal as refusal:
                messages.error(request, refusal.message)
            else:
                messages.success(request, f"Price list v{new.version} is now active. Quotes already issued keep their prices.")
                return redirect("console:price_list")
        status = 422
    rows = [(price_label(n), getattr(active, n) if active else None) for n in PRICE_FIELDS]
    history = PriceList.objects.select_related("created_by").order_by("-version")[:20]
    return render(
        request,
        "console/billing/price_list.html",
        {"active": active, "rows": rows, "form": form, "history": history, "can_edit": user.has_perm("billing.edit_price_list")},
        status=status,
    )
