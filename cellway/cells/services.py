"""Every write about cell lots: receipt, release testing, release and rejection, allocation, custody.

Each action has a `check_<action>` the interfaces ask before offering it;
the action calls it again on the locked lot, writes, and appends a
`LotEvent` in the same transaction. A refusal writes nothing.
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone

from cellway import limits
from cellway.accounts.models import User
from cellway.audit.services import audit_record, sign, verify_signer
from cellway.cases.models import Case
from cellway.cases.services import require_perm
from cellway.cells import isbt128, release, selectors
from cellway.cells.models import (
    ChainOfIdentity,
    DinCounter,
    Lot,
    LotEvent,
    LotEventKind,
    LotStatus,
    Product,
    Route,
    SpecCriterion,
    TestResult,
    Vial,
    VialStatus,
)
from cellway.clinic import clinic_today
from cellway.errors import NotAllowed, Refusal, StageConflict


def facility() -> str:
    return settings.ISBT128_FACILITY or isbt128.LOCAL_FACILITY


def _next_identifier() -> isbt128.Din:
    """The next FIN + year + sequence (call inside a transaction: the counter row is locked until commit)."""
    year = clinic_today().year % 100
    counter, _ = DinCounter.objects.select_for_update().get_or_create(facility=facility(), year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return isbt128.Din(facility=facility(), year=year, sequence=counter.last)


def lock_lot(lot: Lot | int) -> Lot:
    pk = lot.pk if isinstance(lot, Lot) else lot
    return Lot.objects.select_for_update(of=("self",)).select_related("product").get(pk=pk)


def record_lot_event(
    *,
    lot: Lot,
    by: User | None,
    kind: LotEventKind,
    summary: str,
    vial: Vial | None = None,
    reason: str = "",
    data: dict[str, Any] | None = None,
) -> LotEvent:
    return LotEvent.objects.create(
        lot=lot, vial=vial, actor=by, kind=LotEventKind(kind), summary=summary[:300], reason=reason, data=data or {}
    )


def _expect_status(lot: Lot, statuses: set[str], doing: str) -> None:
    if lot.status not in statuses:
        raise StageConflict(f"Cannot {doing}: lot {lot.din} is {lot.get_status_display().lower()}.")


def require_not_expired(lot: Lot, doing: str) -> None:
    if lot.expires_at <= timezone.now():
        raise Refusal(f"Cannot {doing}: lot {lot.din} expired on {timezone.localtime(lot.expires_at):%d %b %Y %H:%M}.")


# --- Receipt ------------------------------------------------------------------------------------


def check_receive_lot(*, by: User) -> None:
    require_perm(by, "cells.record_lot", "receive cell lots")


LOT_FIELDS = (
    "donor_id",
    "collection_date",
    "consent_on_file",
    "donor_eligible",
    "processing",
    "passage",
    "cells_per_vial",
    "vial_count",
    "vial_volume_ml",
    "storage_location",
    "storage_temperature_c",
    "expires_at",
)


def _check_donation(product: Product, fields: dict[str, Any]) -> None:
    if not fields["consent_on_file"]:
        raise Refusal("The donor's consent must be on file before a lot is received.")
    if not fields["donor_eligible"]:
        raise Refusal("The donor's eligibility must be on file before a lot is received.")
    if not str(fields["donor_id"]).strip():
        raise Refusal("Give the umbilical-cord donor's identification.")
    limits.check_length(str(fields["processing"]), limits.NOTE, "The processing steps")
    if not str(fields["processing"]).strip():
        raise Refusal("Write the processing steps with their dates.")
    if fields["collection_date"] > clinic_today():
        raise Refusal("The collection date is in the future.")
    if fields["expires_at"] <= timezone.now():
        raise Refusal("The expiry date and time has already passed.")
    temperature = Decimal(fields["storage_temperature_c"])
    if not product.storage_min_c <= temperature <= product.storage_max_c:
        raise Refusal(
            f"Stored at {temperature} °C: {product.name} is stored between {product.storage_min_c} and {product.storage_max_c} °C."
        )


def receive_lot(*, by: User, product: Product, **fields: Any) -> Lot:
    """Receive a lot into quarantine with its donation data; it gets its DIN and its vials (numbered 1..n)."""
    if set(fields) != set(LOT_FIELDS):
        raise TypeError(f"receive_lot takes exactly {LOT_FIELDS}")
    with transaction.atomic():
        check_receive_lot(by=by)
        _check_donation(product, fields)
        lot = Lot(product=product, received_by=by, **fields)
        lot.din = _next_identifier().thirteen
        try:
            lot.full_clean(exclude=["received_by", "product"])
        except ValidationError as invalid:
            raise Refusal(
                "The lot cannot be received. " + " ".join(f"{k}: {' '.join(v)}" for k, v in invalid.message_dict.items())
            ) from None
        lot.save()
        Vial.objects.bulk_create([Vial(lot=lot, number=n, location=lot.storage_location) for n in range(1, lot.vial_count + 1)])
        record_lot_event(
            lot=lot,
            by=by,
            kind=LotEventKind.RECEIVED,
            summary=f"Received into quarantine: {lot.vial_count} vials, DIN {lot.din_value.eye_readable}",
        )
    return lot


# --- Release testing -------------------------------------------------------------------------------


def check_record_result(*, lot: Lot, by: User) -> None:
    require_perm(by, "cells.record_lot", "record release tests")
    _expect_status(lot, {LotStatus.QUARANTINE}, "record a result")


def record_result(
    *,
    lot: Lot,
    by: User,
    code: str,
    method: str,
    measured_by: str,
    measured_on: dt.date,
    value: Decimal | None = None,
    text: str = "",
    unit: str = "",
) -> TestResult:
    """Record one release test result, with its unit (numbers), method and who measured it. A later result for the same test counts."""
    with transaction.atomic():
        lot = lock_lot(lot)
        check_record_result(lot=lot, by=by)
        criterion = lot.product.criteria.filter(code=code).first()
        if criterion is None:
            raise Refusal(f"{lot.product} has no test {code!r} in its specification.")
        try:
            release.check_result(criterion.as_criterion(), release.Result(code, value, text.strip(), unit.strip()))
        except release.SpecificationError as wrong:
            raise Refusal(wrong.message) from None
        if not method.strip():
            raise Refusal(f"{criterion.name}: give the method.")
        if not measured_by.strip():
            raise Refusal(f"{criterion.name}: say who measured it.")
        limits.check_length(method, 120, "The method")
        limits.check_length(measured_by, limits.NAME, "Who measured it")
        if measured_on > clinic_today():
            raise Refusal("The measurement date is in the future.")
        result = TestResult.objects.create(
            lot=lot,
            code=code,
            value=value,
            text=text.strip(),
            unit=unit.strip(),
            method=method.strip(),
            measured_by=measured_by.strip(),
            measured_on=measured_on,
            recorded_by=by,
        )
        status = release.status_of(criterion.as_criterion(), result.as_result())
        record_lot_event(
            lot=lot,
            by=by,
            kind=LotEventKind.RESULT,
            summary=f"{criterion.name}: {result.as_result().shown} ({status.value}; specification {criterion.as_criterion().shown})",
            data={"result": result.pk, "status": status.value},
        )
    return result


# --- Release and rejection (a second person, signed) --------------------------------------------------------------------


def check_release_lot(*, lot: Lot, by: User) -> None:
    require_perm(by, "cells.release_lot", "release cell lots")
    _expect_status(lot, {LotStatus.QUARANTINE}, "release the lot")
    if lot.results.filter(recorded_by=by).exists():
        raise Refusal("You entered results for this lot: a second person releases it.")
    require_not_expired(lot, "release the lot")
    judgement = selectors.judgement(lot)
    if not judgement.releasable:
        raise Refusal(judgement.why_not())


def release_lot(*, lot: Lot, by: User, password: str, second_factor: str = "", request: HttpRequest | None = None) -> Lot:
    """Release a lot whose every test is within specification: a second person signs "released for clinical use".

    `request`: the one the password came in (the sign-in lockout counts a wrong one; see audit.services.verify_signer).
    """
    meaning = "released for clinical use"
    verified = verify_signer(signer=by, password=password, second_factor=second_factor, meaning=meaning, request=request)
    with transaction.atomic():
        lot = lock_lot(lot)
        check_release_lot(lot=lot, by=by)
        judgement = selectors.judgement(lot)
        content = {
            "din": lot.din,
            "product": lot.product.code,
            "results": [(x.criterion.code, x.criterion.shown, x.result.shown if x.result else "") for x in judgement.lines],
        }
        signature = sign(verified=verified, subject=f"lot:{lot.uuid}", content=content)
        lot.status, lot.signature, lot.released_by, lot.released_at = LotStatus.RELEASED, signature, by, timezone.now()
        lot.save(update_fields=["status", "signature", "released_by", "released_at"])
        record_lot_event(
            lot=lot,
            by=by,
            kind=LotEventKind.RELEASED,
            summary="Released for clinical use (signed)",
            data={"signature": signature.pk, "digest": signature.digest},
        )
    return lot


def check_reject_lot(*, lot: Lot, by: User) -> None:
    require_perm(by, "cells.release_lot", "reject cell lots")
    _expect_status(lot, {LotStatus.QUARANTINE}, "reject the lot")


def reject_lot(*, lot: Lot, by: User, reason: str, password: str, second_factor: str = "", request: HttpRequest | None = None) -> Lot:
    """Reject a lot with its reason (signed). Its vials are never used."""
    verified = verify_signer(signer=by, password=password, second_factor=second_factor, meaning="rejected", request=request)
    with transaction.atomic():
        lot = lock_lot(lot)
        check_reject_lot(lot=lot, by=by)
        limits.check_length(reason, limits.REASON, "The reason")
        if not reason.strip():
            raise Refusal("Give the reason for rejecting the lot.")
        signature = sign(verified=verified, subject=f"lot:{lot.uuid}", content={"din": lot.din, "reason": reason})
        lot.status, lot.signature, lot.decision_reason = LotStatus.REJECTED, signature, reason
        lot.save(update_fields=["status", "signature", "decision_reason"])
        record_lot_event(
            lot=lot, by=by, kind=LotEventKind.REJECTED, summary="Rejected (signed)", reason=reason, data={"signature": signature.pk}
        )
    return lot


# --- The specification -----------------------------------------------------------------------------


def check_keep_specification(*, by: User) -> None:
    require_perm(by, "cells.keep_specification", "change release specifications")


def set_limit(*, product: Product, code: str, limit: Decimal, by: User, reason: str) -> SpecCriterion:
    """Change one criterion's limit: tightening only for the ISCT markers and viability (cells.release)."""
    with transaction.atomic():
        check_keep_specification(by=by)
        criterion = SpecCriterion.objects.select_for_update().filter(product=product, code=code).first()
        if criterion is None:
            raise Refusal(f"{product} has no test {code!r}.")
        if not reason.strip():
            raise Refusal("Say why the specification changes.")
        try:
            release.with_limit(product.specification(), code, limit)
        except release.SpecificationError as wrong:
            raise Refusal(wrong.message) from None
        before = criterion.as_criterion().shown
        criterion.limit = limit
        criterion.save(update_fields=["limit"])
        audit_record(
            actor=by,
            action="cells.specification",
            target=f"product:{product.code}",
            reason=reason,
            data={"code": code, "before": before, "after": criterion.as_criterion().shown},
        )
    return criterion


# --- Allocation to planned infusions --------------------------------------------------------------------


def chain_of_identity(case: Case) -> ChainOfIdentity:
    """The case's Chain of Identity identifier, issued the first time it is needed (inside a transaction)."""
    existing = ChainOfIdentity.objects.filter(case=case).first()
    if existing is not None:
        return existing
    return ChainOfIdentity.objects.create(case=case, coi=_next_identifier().thirteen)


def check_allocate(*, lot: Lot, by: User) -> None:
    require_perm(by, "cells.allocate_vials", "allocate vials")
    _expect_status(lot, {LotStatus.RELEASED}, "allocate its vials")
    require_not_expired(lot, "allocate its vials")


def allocate_vial(*, vial: Vial, case: Case, route: str, infusion: int, by: User) -> Vial:
    """Allocate a vial in store to one planned infusion of the case's signed plan ("intrathecal 1 of 2").

    An infusion takes as many vials as its share of the plan's cell dose needs, no more.
    """
    with transaction.atomic():
        lot = lock_lot(vial.lot_id)
        check_allocate(lot=lot, by=by)
        vial = Vial.objects.select_for_update().get(pk=vial.pk)
        if vial.status != VialStatus.IN_STORE:
            raise StageConflict(
                f"Vial {vial.number} of {lot.din} is {vial.get_status_display().lower()}" + (f" to {vial.case.code}." if vial.case else ".")
            )
        planned = selectors.planned_infusions(case)
        match = next((p for p in planned if p.route == route and p.number == infusion), None)
        if match is None:
            raise Refusal(f"{case.code}'s signed plan has no {Route(route).label if route in Route.values else route} infusion {infusion}.")
        needed = math.ceil(match.cells / lot.cells_per_vial)
        taken = Vial.objects.filter(case=case, route=route, infusion=infusion).exclude(status=VialStatus.DISCARDED).count()
        if taken >= needed:
            raise Refusal(f"{match.label} already has its {needed} vial(s) for {match.cells:,} cells.")
        coi = chain_of_identity(case)
        vial.status, vial.case, vial.route, vial.infusion = VialStatus.ALLOCATED, case, route, infusion
        vial.save(update_fields=["status", "case", "route", "infusion"])
        record_lot_event(
            lot=lot,
            by=by,
            vial=vial,
            kind=LotEventKind.ALLOCATED,
            summary=f"Vial {vial.number} allocated to {case.code}, {match.label} (Chain of Identity {coi.value.eye_readable})",
            data={"case": case.pk, "route": route, "infusion": infusion},
        )
    return vial


# --- Chain of custody --------------------------------------------------------------------------------------


class Leg:
    """Where a hand-over takes the vials."""

    TRANSPORT = "transport"
    WARD = "ward"
    NURSE = "nurse"
    CHOICES = ((TRANSPORT, "laboratory → transport"), (WARD, "transport → ward"), (NURSE, "ward → nurse"))


def check_hand_over(*, vial: Vial, by: User) -> None:
    require_perm(by, "cells.hand_over", "hand vials over")
    if vial.status not in (VialStatus.ALLOCATED, VialStatus.DISPATCHED):
        raise StageConflict(f"Vial {vial.number} is {vial.get_status_display().lower()}: only allocated vials are handed over.")
    if vial.holder_id is not None and vial.holder_id != by.pk:
        raise NotAllowed(f"Vial {vial.number} is held by {vial.holder}: only they hand it over.")


def hand_over(*, vial: Vial, by: User, to: User, leg: str, temperature_c: Decimal, location: str) -> Vial:
    """Record one hand-over: both people (the giver acting, the receiver scanned), time and temperature.

    A temperature outside the product's hand-over range puts the whole lot on hold for the laboratory to judge;
    the hand-over itself is recorded (it happened).
    """
    with transaction.atomic():
        lot = lock_lot(vial.lot_id)
        vial = Vial.objects.select_for_update().get(pk=vial.pk)
        check_hand_over(vial=vial, by=by)
        if to.pk == by.pk:
            raise Refusal("A hand-over is between two people: scan the receiver's badge.")
        if not to.is_active or not to.has_perm("cells.hand_over"):
            raise Refusal(f"{to} may not receive cell products.")
        if leg not in dict(Leg.CHOICES):
            raise Refusal(f"Unknown hand-over {leg!r}.")
        limits.check_length(location, 80, "The location")
        vial.status, vial.holder, vial.location = VialStatus.DISPATCHED, to, location.strip()
        vial.save(update_fields=["status", "holder", "location"])
        product = lot.product
        within = product.transport_min_c <= temperature_c <= product.transport_max_c
        record_lot_event(
            lot=lot,
            by=by,
            vial=vial,
            kind=LotEventKind.HANDED_OVER,
            summary=f"Vial {vial.number}: {dict(Leg.CHOICES)[leg]}, {by} to {to} at {temperature_c} °C, {location.strip()}",
            data={"from": by.pk, "to": to.pk, "leg": leg, "temperature_c": str(temperature_c), "within": within},
        )
        if not within and lot.status == LotStatus.RELEASED:
            lot.status = LotStatus.ON_HOLD
            lot.save(update_fields=["status"])
            record_lot_event(
                lot=lot,
                by=by,
                vial=vial,
                kind=LotEventKind.ON_HOLD,
                summary=(
                    f"On hold: vial {vial.number} handed over at {temperature_c} °C, outside "
                    f"{product.transport_min_c} to {product.transport_max_c} °C"
                ),
            )
    return vial


def check_judge_hold(*, lot: Lot, by: User) -> None:
    require_perm(by, "cells.release_lot", "judge lots on hold")
    _expect_status(lot, {LotStatus.ON_HOLD}, "judge the hold")


def judge_hold(
    *, lot: Lot, by: User, resume: bool, reason: str, password: str, second_factor: str = "", request: HttpRequest | None = None
) -> Lot:
    """The laboratory judges a lot on hold (signed): back to released, or discarded with every unused vial."""
    meaning = "hold lifted: fit for use" if resume else "discarded after hold"
    verified = verify_signer(signer=by, password=password, second_factor=second_factor, meaning=meaning, request=request)
    with transaction.atomic():
        lot = lock_lot(lot)
        check_judge_hold(lot=lot, by=by)
        if not reason.strip():
            raise Refusal("Give the reason for the judgement.")
        limits.check_length(reason, limits.REASON, "The reason")
        signature = sign(verified=verified, subject=f"lot:{lot.uuid}", content={"din": lot.din, "reason": reason})
        lot.status = LotStatus.RELEASED if resume else LotStatus.DISCARDED
        lot.save(update_fields=["status"])
        if not resume:
            lot.vials.filter(~Q(status=VialStatus.ADMINISTERED)).update(status=VialStatus.DISCARDED)
        kind = LotEventKind.HOLD_JUDGED if resume else LotEventKind.DISCARDED
        record_lot_event(
            lot=lot, by=by, kind=kind, summary=meaning.capitalize() + " (signed)", reason=reason, data={"signature": signature.pk}
        )
    return lot


def check_print_label(*, lot: Lot, by: User) -> None:
    require_perm(by, "cells.record_lot", "print labels")
    _expect_status(lot, {LotStatus.QUARANTINE, LotStatus.RELEASED, LotStatus.ON_HOLD}, "print a label")


def print_label(*, vial: Vial, by: User) -> bytes:
    """The vial's label as a PDF; the printing is on the lot's trail (which template, patient-specific or not)."""
    from cellway.cells.documents import LABEL_TEMPLATE, vial_label

    with transaction.atomic():
        lot = lock_lot(vial.lot_id)
        check_print_label(lot=lot, by=by)
        vial = Vial.objects.select_related("lot", "lot__product", "case", "case__patient").get(pk=vial.pk)
        label = selectors.label_for(vial)
        who = f" for {label.case_code}" if label.case_code else ""
        record_lot_event(
            lot=lot,
            by=by,
            vial=vial,
            kind=LotEventKind.LABEL_PRINTED,
            summary=f"Label printed for vial {vial.number}{who} ({LABEL_TEMPLATE})",
        )
    return vial_label(label)
