"""The laboratory's pages: its queues, receiving a lot, the lot page with its whole chain, labels and the CoA.

Every write is a service call in cellway.cells.services; a refusal shows the
lot page again with the message beside the form that was sent (422).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms as djforms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from cellway.accounts.models import User
from cellway.cases.models import Case
from cellway.cells import selectors
from cellway.cells import services as cells
from cellway.cells.models import Lot, Product
from cellway.cells.products import DEFAULT_PRODUCT
from cellway.clinic import clinic_zone
from cellway.console.cells import forms
from cellway.errors import NotAllowed, Refusal, StageConflict, allowed


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _lot(request: HttpRequest, uuid: str) -> Lot:
    try:
        return selectors.get_lot(_user(request), uuid)
    except NotAllowed as refusal:
        raise PermissionDenied(refusal.message) from None


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    """The laboratory's work: lots to test, to release, expiring, on hold."""
    user = _user(request)
    try:
        queues = selectors.queues(user)
    except NotAllowed as refusal:
        raise PermissionDenied(refusal.message) from None
    sections = [
        ("to-test", "To test", "Quarantined, results still missing.", queues.to_test),
        ("to-release", "To release or reject", "Every result in: a second person signs the decision.", queues.to_release),
        ("expiring", "Expiring", "Released lots expiring soon.", queues.expiring),
        ("on-hold", "On hold", "A hand-over out of temperature range: judge them.", queues.on_hold),
    ]
    return render(request, "console/cells/queue.html", {"sections": sections, "can_receive": allowed(cells.check_receive_lot, by=user)})


@login_required
def receive(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    try:
        cells.check_receive_lot(by=user)
    except NotAllowed as refusal:
        raise PermissionDenied(refusal.message) from None
    form = forms.LotForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            data = dict(form.cleaned_data)
            data["expires_at"] = timezone.make_aware(data["expires_at"].replace(tzinfo=None), clinic_zone())
            try:
                lot = cells.receive_lot(by=user, product=Product.objects.get(code=DEFAULT_PRODUCT), **data)
            except Refusal as refusal:
                messages.error(request, refusal.message)
            else:
                messages.success(request, f"Lot {lot.din_value.eye_readable} received into quarantine.")
                return redirect("cells:lot", uuid=lot.uuid)
    return render(request, "console/cells/receive.html", {"form": form}, status=status)


def _tests(lot: Lot) -> list[tuple[str, str]]:
    return [(c.code, c.name) for c in lot.product.criteria.all()]


def lot_page(
    request: HttpRequest,
    lot: Lot,
    *,
    bound: dict[str, djforms.BaseForm] | None = None,
    refused: tuple[str, str] = ("", ""),
    status: int = 200,
) -> HttpResponse:
    user = _user(request)
    bound = bound or {}
    judgement = selectors.judgement(lot)
    latest = selectors.latest_results(lot)
    rows = [(line, latest.get(line.criterion.code)) for line in judgement.lines]
    context: dict[str, Any] = {
        "lot": lot,
        "din": lot.din_value,
        "rows": rows,
        "why_not": judgement.why_not(),
        "vials": selectors.vials(lot),
        "history": selectors.history(lot),
        "refused": refused,
        "can_record": allowed(cells.check_record_result, lot=lot, by=user),
        "can_release": allowed(cells.check_release_lot, lot=lot, by=user),
        "release_blocked": _blocked(cells.check_release_lot, lot=lot, by=user),
        "can_reject": allowed(cells.check_reject_lot, lot=lot, by=user),
        "can_judge_hold": allowed(cells.check_judge_hold, lot=lot, by=user),
        "can_allocate": allowed(cells.check_allocate, lot=lot, by=user),
        "can_print": allowed(cells.check_print_label, lot=lot, by=user),
        "can_hand_over": user.has_perm("cells.hand_over"),
        "coa": lot.signature_id is not None and lot.status != "rejected",
        "result_form": bound.get("result")
        or forms.ResultForm(tests=_tests(lot), initial={"measured_by": str(user), "measured_on": timezone.localdate()}),
        "reject_form": bound.get("reject") or forms.RejectForm(),
        "hold_form": bound.get("hold") or forms.HoldForm(),
        "allocate_form": bound.get("allocate") or forms.AllocateForm(),
        "hand_over_form": bound.get("hand_over") or forms.HandOverForm(),
    }
    return render(request, "console/cells/lot.html", context, status=status)


def _blocked(check: Callable[..., None], **kwargs: Any) -> str:
    """Why release is not possible now, for someone whose role may release."""
    try:
        check(**kwargs)
    except (NotAllowed, StageConflict):
        return ""
    except Refusal as refusal:
        return refusal.message
    return ""


@login_required
def lot_detail(request: HttpRequest, uuid: str) -> HttpResponse:
    return lot_page(request, _lot(request, uuid))


Handler = Callable[[Lot, dict[str, Any], User], str]
SigningHandler = Callable[[Lot, dict[str, Any], User, HttpRequest], str]


def lot_action(make_form: Callable[[HttpRequest, Lot], djforms.BaseForm], key: str, handler: Handler) -> Callable[..., HttpResponse]:
    """A POST on a lot: the form, one service call, the lot page again (refusal: 422 with the message by the form)."""
    return signing_lot_action(make_form, key, lambda lot, d, user, request: handler(lot, d, user))


def signing_lot_action(
    make_form: Callable[[HttpRequest, Lot], djforms.BaseForm], key: str, handler: SigningHandler
) -> Callable[..., HttpResponse]:
    """`lot_action` for an action that signs: the handler gets the request the password came in as well
    (a wrong one counts towards the sign-in lockout, audit.services.verify_signer)."""

    @login_required
    @require_POST
    def view(request: HttpRequest, uuid: str) -> HttpResponse:
        lot = _lot(request, uuid)
        form = make_form(request, lot)
        if not form.is_valid():
            messages.error(request, "Please correct the highlighted fields.")
            return lot_page(request, lot, bound={key: form}, refused=(key, ""), status=422)
        try:
            done = handler(lot, form.cleaned_data, _user(request), request)
        except NotAllowed as refusal:
            raise PermissionDenied(refusal.message) from None
        except Refusal as refusal:
            messages.error(request, refusal.message)
            lot.refresh_from_db()
            return lot_page(request, lot, bound={key: form}, refused=(key, refusal.message), status=422)
        messages.success(request, done)
        return redirect("cells:lot", uuid=lot.uuid)

    view.__name__ = f"lot_{key}"
    return view


def _result(lot: Lot, d: dict[str, Any], user: User) -> str:
    cells.record_result(
        lot=lot,
        by=user,
        code=d["code"],
        value=d["value"],
        unit=d["unit"],
        text=d["text"],
        method=d["method"],
        measured_by=d["measured_by"],
        measured_on=d["measured_on"],
    )
    return "Result recorded."


def _release(lot: Lot, d: dict[str, Any], user: User, request: HttpRequest) -> str:
    cells.release_lot(lot=lot, by=user, password=d["password"], second_factor=d.get("code", ""), request=request)
    return f"Lot {lot.din} released for clinical use (signed)."


def _reject(lot: Lot, d: dict[str, Any], user: User, request: HttpRequest) -> str:
    cells.reject_lot(lot=lot, by=user, reason=d["reason"], password=d["password"], second_factor=d.get("code", ""), request=request)
    return f"Lot {lot.din} rejected (signed)."


def _hold(lot: Lot, d: dict[str, Any], user: User, request: HttpRequest) -> str:
    resume = d["decision"] == "resume"
    cells.judge_hold(
        lot=lot, by=user, resume=resume, reason=d["reason"], password=d["password"], second_factor=d.get("code", ""), request=request
    )
    return "Hold judged (signed)."


def _vial(lot: Lot, number: int) -> Any:
    vial = lot.vials.filter(number=number).first()
    if vial is None:
        raise Refusal(f"Lot {lot.din} has no vial {number}.")
    return vial


def _allocate(lot: Lot, d: dict[str, Any], user: User) -> str:
    case = Case.objects.filter(code=d["case"].strip().upper()).first()
    if case is None:
        raise Refusal(f"No case {d['case']!r}.")
    route, number = d["infusion"].split("-")
    cells.allocate_vial(vial=_vial(lot, d["vial"]), case=case, route=route, infusion=int(number), by=user)
    return f"Vial {d['vial']} allocated to {case.code}."


def _hand_over(lot: Lot, d: dict[str, Any], user: User) -> str:
    receiver = User.objects.filter(username=d["receiver"].strip()).first()
    if receiver is None:
        raise Refusal(f"No one has the badge {d['receiver']!r}.")
    cells.hand_over(
        vial=_vial(lot, d["vial"]), by=user, to=receiver, leg=d["leg"], temperature_c=d["temperature_c"], location=d["location"]
    )
    return f"Vial {d['vial']} handed over to {receiver}."


def _plain(form_class: type[djforms.Form]) -> Callable[[HttpRequest, Lot], djforms.BaseForm]:
    return lambda request, lot: form_class(request.POST)


ACTIONS = {
    "result": lot_action(lambda request, lot: forms.ResultForm(request.POST, tests=_tests(lot)), "result", _result),
    "release": signing_lot_action(_plain(forms.ReleaseForm), "release", _release),
    "reject": signing_lot_action(_plain(forms.RejectForm), "reject", _reject),
    "hold": signing_lot_action(_plain(forms.HoldForm), "hold", _hold),
    "allocate": lot_action(_plain(forms.AllocateForm), "allocate", _allocate),
    "hand-over": lot_action(_plain(forms.HandOverForm), "hand_over", _hand_over),
}


@login_required
def label_pdf(request: HttpRequest, uuid: str, number: int) -> HttpResponse:
    lot = _lot(request, uuid)
    vial = lot.vials.filter(number=number).first()
    if vial is None:
        raise Http404("No such vial.")
    try:
        pdf = cells.print_label(vial=vial, by=_user(request))
    except NotAllowed as refusal:
        raise PermissionDenied(refusal.message) from None
    except Refusal as refusal:
        messages.error(request, refusal.message)
        return redirect("cells:lot", uuid=lot.uuid)
    return _pdf(pdf, f"label-{lot.din}-{number:02d}.pdf")


@login_required
def coa_pdf(request: HttpRequest, uuid: str) -> HttpResponse:
    lot = _lot(request, uuid)
    certificate = selectors.certificate_for(lot)
    if certificate is None:
        raise Http404("A Certificate of Analysis exists once the lot is released.")
    from cellway.cells import documents  # ReportLab loads Pillow: not at start-up

    return _pdf(documents.certificate_of_analysis(certificate), f"coa-{lot.din}.pdf")


def _pdf(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def vial_fhir(request: HttpRequest, uuid: str, number: int) -> HttpResponse:
    """One vial as a FHIR R4B BiologicallyDerivedProduct."""
    from cellway.cells.fhir import vial_resource

    lot = _lot(request, uuid)
    vial = lot.vials.select_related("lot", "lot__product", "case__chain_of_identity").filter(number=number).first()
    if vial is None:
        raise Http404("No such vial.")
    response = HttpResponse(vial_resource(vial).model_dump_json(indent=2), content_type="application/fhir+json")
    response["Cache-Control"] = "private, no-store"
    return response
