"""Finance's exchange rate table: the rates in force and a form to enter a new one (never fetched at run time)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from cellway.accounts.models import User
from cellway.billing import rates
from cellway.clinic import clinic_today
from cellway.console.plans.forms import DATE
from cellway.errors import Refusal, allowed


class RateForm(forms.Form):
    base = forms.CharField(max_length=3, min_length=3, label="From (the quote's currency)")
    target = forms.CharField(max_length=3, min_length=3, label="To (the patient's currency)")
    rate = forms.DecimalField(max_digits=18, decimal_places=8, min_value=0, label="1 unit is worth")
    effective_from = forms.DateField(widget=DATE, label="In force from")


@login_required
@require_http_methods(["GET", "POST"])
def exchange_rates(request: HttpRequest) -> HttpResponse:
    """The rates finance keeps, newest first per pair; finance enters a new one (the same check as the service)."""
    user: User = request.user  # type: ignore[assignment]
    can_enter = allowed(rates.check_enter_rate, by=user)
    if not can_enter and not user.has_perm("billing.view_account"):
        raise PermissionDenied("Exchange rates are finance's work.")
    form = RateForm(request.POST or None, initial={"effective_from": clinic_today()})
    status = 200
    if request.method == "POST":
        if not can_enter:
            raise PermissionDenied("Your role does not allow you to enter exchange rates.")
        if form.is_valid():
            d = form.cleaned_data
            try:
                entered = rates.enter_rate(by=user, base=d["base"], target=d["target"], rate=d["rate"], effective_from=d["effective_from"])
            except Refusal as refusal:
                messages.error(request, refusal.message)
            else:
                messages.success(request, f"Rate entered: {entered}.")
                return redirect("console:exchange_rates")
        status = 422
    context = {"form": form, "rows": rates.history(), "can_enter": can_enter}
    return render(request, "console/billing/exchange_rates.html", context, status=status)
