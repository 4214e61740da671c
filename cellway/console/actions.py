"""The one way to write a staff action on a case: a form, one service call, the case page again.

Every domain module of the console declares its actions with `case_action`;
`ACTIONS` in `cellway.console.urls` gathers them under `cases/<uuid>/<name>/`
(URL name `console:act-<name>`). A refusal shows the case page again with
the message beside the form that was sent, what was typed kept (422); a role
that may not act gets 403; a case outside one's scope is 404.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms as djforms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from cellway.accounts.models import User
from cellway.cases.models import Case
from cellway.cases.selectors import get_case
from cellway.errors import NotAllowed, Refusal

Handler = Callable[[Case, dict[str, Any], User], str]
# An action that signs also hands the service the request the password came in: a wrong one counts
# towards the sign-in lockout of that person at that address (cellway.audit.services.verify_signer).
SigningHandler = Callable[[Case, dict[str, Any], User, HttpRequest], str]
View = Callable[..., HttpResponse]


def case_action(form_class: type[djforms.BaseForm] | None, form_key: str, handler: Handler, *, anchor: str = "") -> View:
    """A POST view for one action on a case.

    `form_key` names the form on the case page (its panel shows it open with
    the errors after a refusal); `handler` calls the service and returns the
    message to show on success.
    """
    return signing_action(form_class, form_key, lambda case, d, user, request: handler(case, d, user), anchor=anchor)


def signing_action(form_class: type[djforms.BaseForm] | None, form_key: str, handler: SigningHandler, *, anchor: str = "") -> View:
    """`case_action` for an action that signs: the handler gets the request as well."""

    @login_required
    @require_http_methods(["GET", "POST"])
    def view(request: HttpRequest, uuid: str) -> HttpResponse:
        user: User = request.user  # type: ignore[assignment]
        case = get_case(user, uuid)
        if request.method == "GET":
            # A reload of the address a refused form left in the bar: show the case.
            return redirect("console:case", uuid=case.uuid)
        form = form_class(request.POST, request.FILES) if form_class else None
        if form is not None and not form.is_valid():
            messages.error(request, "Please correct the highlighted fields.")
            return refused_page(request, case, form_key, form)
        try:
            done = handler(case, form.cleaned_data if form else {}, user, request)
        except NotAllowed as refusal:
            raise PermissionDenied(refusal.message) from None
        except Refusal as refusal:
            messages.error(request, refusal.message)
            case.refresh_from_db()
            return refused_page(request, case, form_key, form, refusal=refusal.message)
        messages.success(request, done)
        return redirect(reverse("console:case", kwargs={"uuid": case.uuid}) + f"#{anchor or form_key}")

    view.__name__ = f"act_{form_key}"
    return view


def refused_page(request: HttpRequest, case: Case, form_key: str, form: djforms.BaseForm | None, *, refusal: str = "") -> HttpResponse:
    """The case page again, with the refusal next to the form, what was typed, and the case's own address in the bar."""
    from cellway.console.cases.views import render_case_page

    response = render_case_page(request, case, bound={form_key: form} if form else {}, refused=(form_key, refusal), status=422)
    response["HX-Replace-Url"] = reverse("console:case", kwargs={"uuid": case.uuid})
    return response
