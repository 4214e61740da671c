"""Every write to the spine: opening, moving, assigning and ending cases.

Other apps call `lock_case` and `move` from inside their own services so that
their rows, the stage change and its event commit together or not at all.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from types import EllipsisType
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Replace
from django.utils import timezone
from django.utils.functional import cached_property

from cellway import limits
from cellway.accounts.models import User
from cellway.accounts.roles import SEE_ALL
from cellway.cases import notify
from cellway.cases.events import EventKind
from cellway.cases.models import Asker, Case, CaseCounter, CaseEvent, Condition, Inquiry, Patient, Reminder, Source
from cellway.cases.parts import Part
from cellway.cases.search import search_key
from cellway.cases.signals import case_opened
from cellway.cases.stages import ENDINGS, FINAL, LABELS, Stage, can_move
from cellway.errors import NotAllowed, Refusal, StageConflict


def require_perm(user: User, perm: str, doing: str) -> None:
    """Raise NotAllowed unless `user` holds `perm`."""
    if not user.has_perm(perm):
        raise NotAllowed(f"Your role does not allow you to {doing}.")


class StageMoved(StageConflict):
    """The case is not in a stage this action expects. The message says who moved it and when.

    That takes a query, so it is looked up only when the message is read:
    `allowed()` asking whether to offer an action costs nothing extra.
    """

    def __init__(self, case: Case, doing: str) -> None:
        Exception.__init__(self, case.code, doing)
        self._case, self._doing = case, doing

    @cached_property
    def message(self) -> str:
        return _conflict_message(self._case, self._doing)

    def __str__(self) -> str:
        return self.message


def expect_stage(case: Case, expected: set[Stage] | frozenset[Stage] | Stage, doing: str) -> None:
    """Refuse (StageMoved) unless `case` is in one of the `expected` stages."""
    stages = {expected} if isinstance(expected, Stage) else expected
    if case.stage_enum not in stages:
        raise StageMoved(case, doing)


def require_assigned(case: Case, by: User, doing: str) -> None:
    """Refuse (NotAllowed) unless `by` is the specialist assigned to `case`."""
    if case.specialist_id != by.pk:
        raise NotAllowed(f"Only the specialist assigned to {case.code} may {doing}.")


def lock_case(case: Case | int, *, expected: set[Stage] | Stage | None = None, doing: str = "do this") -> Case:
    """Lock the case row for this transaction and check it is in an expected stage.

    Call inside `transaction.atomic()`. The second of two people acting at
    once waits here, then sees the first one's stage and is refused with
    a message saying who moved the case. Services lock, then call their
    `check_<action>` on the locked case.
    """
    pk = case.pk if isinstance(case, Case) else case
    locked = Case.objects.select_for_update(of=("self",)).select_related("patient", "condition").get(pk=pk)
    if expected is not None:
        expect_stage(locked, expected, doing)
    return locked


def _conflict_message(case: Case, doing: str) -> str:
    # The last change another person could have made under this one's feet: a stage or an assignment.
    last = case.events.filter(~Q(to_stage="") | Q(kind="assigned")).select_related("actor").first()
    who = f" by {last.actor}" if last and last.actor else ""
    when = f" at {timezone.localtime(last.at):%H:%M}" if last else ""
    what = f"assigned to {case.specialist}" if last and last.kind == "assigned" else f"now '{case.get_stage_display()}'"
    moved = "changed" if last and last.kind == "assigned" else "moved"
    return f"Cannot {doing}: {case.code} is {what} ({moved}{who}{when}). Reload the page."


def record_event(
    *, case: Case, by: User | None, kind: EventKind, summary: str, reason: str = "", data: dict[str, Any] | None = None
) -> CaseEvent:
    """Append an event to the case timeline (no stage change). A kind not in `EventKind` is a ValueError."""
    kind = EventKind(kind)
    return CaseEvent.objects.create(case=case, actor=by, kind=kind, summary=summary[:300], reason=reason, data=data or {})


# Rule 9 asks who read what, not every page view: one row per person, case and
# subject in this window is enough, and keeps slice scrolling off the trail's size.
MEDICAL_READ_WINDOW = dt.timedelta(minutes=10)


def record_medical_read(*, case: Case, by: User, subject: str, summary: str) -> CaseEvent | None:
    """Put a read of medical content on the case trail (rule 9); None if this read is already there.

    `subject` names what was read: "record:<uuid>", "series:<uuid>", "protocol",
    "fhir", "outcomes", "case-page". At most one row per (person, case, subject)
    per MEDICAL_READ_WINDOW; two reads racing in the same instant may both be
    written, which errs on the side of the trail.
    """
    since = timezone.now() - MEDICAL_READ_WINDOW
    already = CaseEvent.objects.filter(case=case, actor=by, kind=EventKind.MEDICAL_READ, at__gte=since, data__subject=subject)
    if already.exists():
        return None
    return record_event(case=case, by=by, kind=EventKind.MEDICAL_READ, summary=summary, data={"subject": subject})


def record_medical_reads(*, cases: Iterable[Case], by: User, subject: str, summary: str) -> int:
    """`record_medical_read` for every case of a list page at once, in two queries whatever their number (no N+1).
    Returns how many rows were written."""
    by_pk = {case.pk: case for case in cases}
    if not by_pk:
        return 0
    since = timezone.now() - MEDICAL_READ_WINDOW
    already = set(
        CaseEvent.objects.filter(
            case_id__in=by_pk, actor=by, kind=EventKind.MEDICAL_READ, at__gte=since, data__subject=subject
        ).values_list("case_id", flat=True)
    )
    rows = [
        CaseEvent(case=case, actor=by, kind=EventKind.MEDICAL_READ, summary=summary[:300], data={"subject": subject})
        for pk, case in sorted(by_pk.items())
        if pk not in already
    ]
    CaseEvent.objects.bulk_create(rows)
    return len(rows)


def move(
    case: Case,
    *,
    to: Stage,
    by: User | None,
    summary: str = "",
    reason: str = "",
    data: dict[str, Any] | None = None,
    part: Part | None = None,
) -> CaseEvent:
    """Move a locked case to `to`, bump its version and write the event.

    The caller has already taken the lock with `lock_case` and checked its
    own rule; this checks the move itself is allowed. Everyone in scope sees
    a stage change; `part` names the part of the case its summary and reason
    come from (a screening verdict's reason), so that those who may not read
    that part see only the move itself.
    """
    current = case.stage_enum
    if not can_move(current, to):
        raise StageConflict(f"{case.code} cannot go from '{LABELS[current]}' to '{LABELS[to]}'.")
    now = timezone.now()
    Case.objects.filter(pk=case.pk).update(stage=to.value, stage_changed_at=now, version=F("version") + 1)
    case.stage, case.stage_changed_at = to.value, now
    case.version += 1
    return CaseEvent.objects.create(
        case=case,
        actor=by,
        kind=EventKind.STAGE,
        from_stage=current.value,
        to_stage=to.value,
        summary=summary or f"{LABELS[current]} → {LABELS[to]}",
        reason=reason,
        data={**(data or {}), **({"part": part.value} if part else {})},
    )


def touch(case: Case) -> None:
    """Bump the version of a locked case for a write that does not change its stage."""
    Case.objects.filter(pk=case.pk).update(version=F("version") + 1)
    case.version += 1


def _next_code(year: int) -> str:
    counter, _ = CaseCounter.objects.select_for_update().get_or_create(year=year)
    CaseCounter.objects.filter(pk=year).update(last=F("last") + 1)
    counter.refresh_from_db()
    return f"CW-{year}-{counter.last:04d}"


def record_inquiry(
    *,
    by: User,
    full_name: str,
    country: str,
    language: str,
    condition: Condition,
    source: str,
    message: str = "",
    email: str = "",
    phone: str = "",
    received_at: dt.datetime | None = None,
) -> Inquiry:
    """Record an inquiry as received (by chat, email, phone...)."""
    require_perm(by, "cases.open_case", "record inquiries")
    _check_inquiry_fields(full_name=full_name, country=country, language=language, email=email, phone=phone, message=message)
    if source not in Source.values:
        raise Refusal(f"Say how they reached us: one of {', '.join(Source.values)}.")
    return Inquiry.objects.create(
        full_name=full_name.strip(),
        country=country,
        language=language,
        condition=condition,
        source=source,
        message=message,
        email=email,
        phone=phone,
        received_at=received_at or timezone.now(),
        recorded_by=by,
    )


def _check_inquiry_fields(*, full_name: str, country: str, language: str, email: str, phone: str, message: str) -> None:
    for value, limit, what in (
        (full_name, limits.NAME, "The name"),
        (country, limits.COUNTRY, "The country"),
        (language, limits.LANGUAGE, "The language"),
        (email, limits.EMAIL, "The email address"),
        (phone, limits.PHONE, "The phone number"),
        (message, limits.MESSAGE, "The message"),
    ):
        limits.check_length(value, limit, what)
    if not full_name.strip():
        raise Refusal("An inquiry needs the person's name.")
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise Refusal(f"{email} is not an email address.") from None


# Inquiries from the public site: how many one client address, and one email address, may send in a window
# (count, seconds). Counted in Django's cache (Redis in production), so every worker sees the same count.
WEB_LIMIT_PER_ADDRESS = (5, 60 * 60)
WEB_LIMIT_PER_EMAIL = (3, 24 * 60 * 60)


class WebInquiryRefused(Refusal):
    """The public site refuses an inquiry. `reason` ("spam", "address", "email") lets the site say it in the
    visitor's language; `message` is for the log and the staff."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def _web_counters(address: str, email: str) -> list[tuple[str, str, tuple[int, int]]]:
    return [
        ("address", f"cases:web-inquiry:address:{address}", WEB_LIMIT_PER_ADDRESS),
        ("email", f"cases:web-inquiry:email:{email.strip().casefold()}", WEB_LIMIT_PER_EMAIL),
    ]


def check_web_inquiry(*, address: str, email: str = "", honeypot: str = "") -> None:
    """Whether the public site takes an inquiry from this client address and email: the honeypot field is
    empty (people never see it; form-filling robots fill it) and neither has sent too many lately."""
    if honeypot.strip():
        raise WebInquiryRefused("spam", "The hidden field was filled in: a robot, not a person.")
    from django.core.cache import cache

    for reason, key, (limit, _window) in _web_counters(address, email):
        if (reason == "address" or email) and int(cache.get(key, 0)) >= limit:
            raise WebInquiryRefused(reason, f"Too many inquiries from this {reason} lately ({limit}).")


def _count_web_inquiry(address: str, email: str) -> None:
    """Count one inquiry against the address and the email; refuse if another request took the last place
    since the check (cache.add then incr is atomic, so two at once cannot both pass)."""
    from django.core.cache import cache

    for reason, key, (limit, window) in _web_counters(address, email):
        if reason == "email" and not email:
            continue
        cache.add(key, 0, timeout=window)
        if cache.incr(key) > limit:
            raise WebInquiryRefused(reason, f"Too many inquiries from this {reason} lately ({limit}).")


def _name_words(name: str) -> str:
    """A name's search key with its words in order, so 'Popescu Elena' meets 'Elena Popescu'."""
    return " ".join(sorted(search_key(name).split()))


def matching_patient(*, email: str, phone: str, full_name: str, date_of_birth: dt.date | None) -> tuple[Patient, str] | None:
    """An existing patient who is probably the same person, and why: the same email, the same phone number
    (digits compared), or the same name (accents, case and word order ignored) and date of birth."""
    if email.strip():
        found = Patient.objects.filter(email__iexact=email.strip()).order_by("pk").first()
        if found:
            return found, "same email"
    digits = "".join(c for c in phone if c.isdigit())
    if len(digits) >= 6:
        bare: Any = F("phone")
        for sign in (" ", "-", "(", ")", "+", ".", "/"):
            bare = Replace(bare, Value(sign), Value(""))
        found = Patient.objects.annotate(digits=bare).filter(digits=digits).order_by("pk").first()
        if found:
            return found, "same phone number"
    if date_of_birth is not None:
        words = _name_words(full_name)
        for candidate in Patient.objects.filter(date_of_birth=date_of_birth).order_by("pk"):
            if _name_words(candidate.full_name) == words:
                return candidate, "same name and date of birth"
    return None


def receive_web_inquiry(
    *,
    full_name: str,
    email: str,
    asker: str,
    condition: Condition,
    country: str,
    language: str,
    date_of_birth: dt.date | None,
    message: str,
    consent_version: str,
    address: str,
    site_language: str,
    phone: str = "",
    honeypot: str = "",
) -> Case:
    """An inquiry sent from the public site: no staff user, source "website". It opens a case at once (the care
    team's inquiry queue shows it, flagged when the person matches an existing patient: `matching_patient`)
    and the visitor gets an acknowledgement in the language they wrote in.

    Refused with nothing written: the honeypot filled, too many from the address or the email, no consent to
    process health data, a date of birth in the future, or what `record_inquiry` refuses."""
    check_web_inquiry(address=address, email=email, honeypot=honeypot)
    if not consent_version:
        raise Refusal("We can only read your inquiry if you agree that we process your health data.")
    if asker not in Asker.values:
        raise Refusal(f"Say who is asking: one of {', '.join(Asker.values)}.")
    if not email.strip():
        raise Refusal("An inquiry from the site needs an email address: it is how we answer.")
    now = timezone.now()
    if date_of_birth is not None and not (dt.date(1900, 1, 1) <= date_of_birth <= timezone.localdate(now)):
        raise Refusal("The date of birth must be a real date in the past.")
    _check_inquiry_fields(full_name=full_name, country=country, language=language, email=email, phone=phone, message=message)
    with transaction.atomic():
        _count_web_inquiry(address, email)
        match = matching_patient(email=email, phone=phone, full_name=full_name, date_of_birth=date_of_birth)
        inquiry = Inquiry.objects.create(
            possible_duplicate=match[0] if match else None,
            duplicate_because=match[1] if match else "",
            full_name=full_name.strip(),
            country=country.strip(),
            language=language,
            condition=condition,
            source=Source.WEBSITE,
            message=message,
            email=email.strip(),
            phone=phone.strip(),
            received_at=now,
            recorded_by=None,
            asker=asker,
            date_of_birth=date_of_birth,
            site_language=site_language,
            consent_version=consent_version,
            consent_at=now,
            consent_address=address or None,
        )
        case = _open_case(inquiry, by=None)
        notify.later(notify.inquiry_received, case_id=case.pk, language=site_language)
    return case


def receive_email_inquiry(*, full_name: str, email: str, message: str, received_at: dt.datetime, site_language: str) -> Case:
    """Mail to the clinic's inquiry address: an inquiry with no staff recorder, source "email", condition
    "other" and no country until the care team reads it. Its case opens at once (flagged when the sender matches
    an existing patient, as a website inquiry is) and the sender is acknowledged in ``site_language`` (a site
    language code), customer care told. Called by ``conversations.services.receive_mail`` inside its
    transaction; refused with nothing written as ``record_inquiry`` refuses."""
    full_name = full_name.strip() or email.strip()
    _check_inquiry_fields(full_name=full_name, country="", language="", email=email, phone="", message=message)
    match = matching_patient(email=email, phone="", full_name=full_name, date_of_birth=None)
    inquiry = Inquiry.objects.create(
        possible_duplicate=match[0] if match else None,
        duplicate_because=match[1] if match else "",
        full_name=full_name[: limits.NAME],
        country="",
        condition=Condition.objects.get(code="other"),
        source=Source.EMAIL,
        message=message,
        email=email.strip(),
        received_at=received_at,
        recorded_by=None,
        language={"zh-hans": "Chinese", "ar": "Arabic"}.get(site_language, "English"),
        site_language=site_language,
    )
    case = _open_case(inquiry, by=None)
    notify.later(notify.inquiry_received, case_id=case.pk, language=site_language)
    return case


def check_link_patient(*, case: Case, by: User) -> None:
    """Attach a website inquiry's case to the existing patient it was flagged as: care or liaison, while the
    case is still an inquiry, and only to the patient the flag names."""
    require_perm(by, "cases.open_case", "link inquiries to returning patients")
    expect_stage(case, Stage.INQUIRY, "link this inquiry to a returning patient")
    inquiry = case.inquiry
    if inquiry is None or inquiry.possible_duplicate_id is None:
        raise Refusal("This inquiry matches no existing patient.")
    if case.patient_id == inquiry.possible_duplicate_id:
        raise StageConflict("This inquiry is already linked to the returning patient.")


def link_patient(*, case: Case, by: User) -> Case:
    """The case becomes the returning patient's (a new course of care for them); the patient record the website
    opened for the inquiry is removed, so the person is one patient. On the trail with both patients named."""
    with transaction.atomic():
        case = lock_case(case)
        check_link_patient(case=case, by=by)
        assert case.inquiry is not None and case.inquiry.possible_duplicate is not None
        opened_for, returning = case.patient, case.inquiry.possible_duplicate
        case.patient = returning
        case.save(update_fields=["patient"])
        CaseEvent.objects.create(
            case=case,
            actor=by,
            kind=EventKind.PATIENT_LINKED,
            summary=f"Linked to returning patient {returning.full_name} ({case.inquiry.duplicate_because})",
            data={"patient": str(returning.uuid), "removed_patient": str(opened_for.uuid)},
        )
        if not Case.objects.filter(patient=opened_for).exists():
            opened_for.delete()
    return case


def check_dismiss_duplicate(*, case: Case, by: User) -> None:
    """Clear a website inquiry's returning-patient flag: the same people and stage as linking it."""
    require_perm(by, "cases.open_case", "judge whether an inquiry is from a returning patient")
    expect_stage(case, Stage.INQUIRY, "say this inquiry is from a different person")
    inquiry = case.inquiry
    if inquiry is None or inquiry.possible_duplicate_id is None:
        raise Refusal("This inquiry matches no existing patient.")
    if case.patient_id == inquiry.possible_duplicate_id:
        raise StageConflict("This inquiry is already linked to the returning patient.")


def dismiss_duplicate(*, case: Case, by: User, reason: str) -> Case:
    """The care team checked: the person who wrote is not the patient the inquiry was flagged as. The flag is
    cleared (the queue's badge goes) and the event keeps what it said and why it was wrong."""
    reason = reason.strip()
    if not reason:
        raise Refusal("Say how you know it is a different person.")
    limits.check_length(reason, limits.REASON, "The reason")
    with transaction.atomic():
        case = lock_case(case)
        check_dismiss_duplicate(case=case, by=by)
        inquiry = case.inquiry
        assert inquiry is not None and inquiry.possible_duplicate is not None
        flagged, because = inquiry.possible_duplicate, inquiry.duplicate_because
        Inquiry.objects.filter(pk=inquiry.pk).update(possible_duplicate=None, duplicate_because="")
        CaseEvent.objects.create(
            case=case,
            actor=by,
            kind=EventKind.PATIENT_NOT_LINKED,
            summary=f"Not the returning patient {flagged.full_name} ({because}): {reason}",
            data={"flagged_patient": str(flagged.uuid), "because": because, "reason": reason},
        )
    case.refresh_from_db()
    return case


def check_open_case(*, by: User) -> None:
    require_perm(by, "cases.open_case", "open cases")


@transaction.atomic
def open_case(*, inquiry: Inquiry, by: User) -> Case:
    """Open a case for an inquiry: a patient record, a case code and its records checklist."""
    check_open_case(by=by)
    return _open_case(inquiry, by=by)


def _open_case(inquiry: Inquiry, *, by: User | None) -> Case:
    """Open the case (in the caller's transaction); `by` is None for an inquiry from the public site."""
    inquiry = Inquiry.objects.select_for_update().get(pk=inquiry.pk)
    if Case.objects.filter(inquiry=inquiry).exists():
        raise StageConflict(f"A case is already open for this inquiry ({inquiry.case.code}).")
    patient = Patient.objects.create(
        full_name=inquiry.full_name,
        search_key=search_key(inquiry.full_name),
        email=inquiry.email,
        phone=inquiry.phone,
        country=inquiry.country,
        language=inquiry.language,
        date_of_birth=inquiry.date_of_birth,
    )
    now = timezone.now()
    local_year = timezone.localtime(now, timezone=_clinic_zone()).year
    case = Case.objects.create(
        code=_next_code(local_year),
        patient=patient,
        inquiry=inquiry,
        condition=inquiry.condition,
        stage=Stage.INQUIRY,
        stage_changed_at=now,
        opened_at=now,
    )
    CaseEvent.objects.create(
        case=case,
        actor=by,
        kind=EventKind.OPENED,
        to_stage=Stage.INQUIRY.value,
        summary=f"Case opened from a {inquiry.get_source_display().lower()} inquiry",
    )
    case_opened.send(sender=Case, case=case, by=by)
    return case


def _clinic_zone() -> dt.tzinfo:
    import zoneinfo

    return zoneinfo.ZoneInfo(settings.CLINIC_TIME_ZONE)


ASSIGNABLE = frozenset({Stage.TRIAGE, Stage.REVIEW})


def check_assign(*, case: Case, by: User) -> None:
    require_perm(by, "cases.assign_case", "assign cases")
    expect_stage(case, ASSIGNABLE, "assign this case")


def assign_case(*, case: Case, specialist: User, by: User, reason: str, seen_specialist: int | None | EllipsisType = ...) -> Case:
    """Assign (or reassign) a case to a specialist. Only a liaison officer may; a reason is required.

    `seen_specialist` is the specialist (pk or None) the person saw when their
    page was drawn: if someone assigned the case since, they are told who and
    when instead of silently reassigning it. Omitted, the case as passed counts.
    """
    seen = case.specialist_id if seen_specialist is ... else seen_specialist
    with transaction.atomic():
        case = lock_case(case)
        check_assign(case=case, by=by)
        limits.check_length(reason, limits.REASON, "The reason")
        if not reason.strip():
            raise Refusal("Say why this specialist should take the case.")
        if not specialist.groups.filter(name="Specialist").exists() or not specialist.is_active:
            raise Refusal(f"{specialist} is not an active specialist.")
        if case.specialist_id != seen:
            raise StageMoved(case, "assign this case")
        if case.specialist_id == specialist.pk:
            raise Refusal(f"{case.code} is already assigned to {specialist}.")
        previous = case.specialist
        Case.objects.filter(pk=case.pk).update(specialist=specialist)
        case.specialist = specialist
        data = {"specialist": specialist.pk, "previous": previous.pk if previous else None}
        if case.stage_enum == Stage.TRIAGE:
            move(case, to=Stage.REVIEW, by=by, summary=f"Assigned to {specialist}", reason=reason, data=data)
        else:
            touch(case)
            summary = f"Reassigned from {previous} to {specialist}"
            record_event(case=case, by=by, kind=EventKind.ASSIGNED, summary=summary, reason=reason, data=data)
        notify.later(notify.case_assigned, case_id=case.pk)
    return case


def check_end_case(*, case: Case, by: User) -> None:
    require_perm(by, "cases.end_case", "end cases")
    if case.stage_enum in FINAL:
        raise StageConflict(f"{case.code} has already ended as '{case.get_stage_display()}'.")
    if not by.has_perm(SEE_ALL) and case.specialist_id != by.pk:
        # A specialist reaches only the cases assigned to them.
        raise NotAllowed(f"Only the specialist assigned to {case.code} may end it.")


def end_case(*, case: Case, to: Stage, by: User, reason: str, expected_version: int | None = None) -> Case:
    """End a case as declined (by the patient), refused (by the clinic) or withdrawn, with a reason."""
    with transaction.atomic():
        case = lock_case(case)
        check_end_case(case=case, by=by)
        limits.check_length(reason, limits.REASON, "The reason")
        if to not in ENDINGS:
            raise Refusal("A case ends as declined, refused or withdrawn.")
        if not reason.strip():
            raise Refusal("Give the reason the case ends; it goes on the record.")
        if expected_version is not None and case.version != expected_version:
            raise StageMoved(case, "end this case")
        Case.objects.filter(pk=case.pk).update(end_reason=reason)
        case.end_reason = reason
        move(case, to=to, by=by, reason=reason)
        notify.later(notify.case_ended, case_id=case.pk)
    return case


# --- Reminders: one mechanism for payments and follow-ups ---------------------------


def claim_notice(*, case: Case, what: str, since: dt.date, today: dt.date) -> bool:
    """Claim a one-off notice about ``what`` on the case (a ``Reminder`` row keyed by ``what`` and the day ``since``
    it counts from), so that it goes once however many times its cause repeats: the staff notice of a burst of
    portal messages, ``what`` naming the last answer the burst follows. Returns False, writing nothing, if it was
    claimed already. Call inside the transaction that queues the mail, after locking the case."""
    return _claim(case=case, what=what, due_on=since, days_ahead=0, today=today)


def _claim(*, case: Case, what: str, due_on: dt.date, days_ahead: int, today: dt.date) -> bool:
    """The reminder row, unless one with the same thing, due date and days ahead exists (False, nothing written)."""
    try:
        with transaction.atomic():
            Reminder.objects.create(case=case, what=what, due_on=due_on, days_ahead=days_ahead, sent_on=today)
    except IntegrityError:
        return False
    return True


def claim_reminder(
    *, case: Case, kind: EventKind, what: str, due_on: dt.date, today: dt.date, summary: str, data: dict[str, Any] | None = None
) -> bool:
    """Claim the reminder of ``what`` due on ``due_on``, sent ``today``, and write it to the case trail.

    Returns False, writing nothing, if that reminder (same thing, due date and
    days ahead) was already claimed: by an earlier run, or by a scheduler
    running at the same moment (PostgreSQL holds the second insert until the
    first commits, then refuses it). Call inside the transaction that queues
    the mail (``notify.later``), so the claim, the event and the mail stand or
    fall together.
    """
    days_ahead = (due_on - today).days
    if not _claim(case=case, what=what, due_on=due_on, days_ahead=days_ahead, today=today):
        return False
    record_event(
        case=case,
        by=None,
        kind=kind,
        summary=summary,
        data={"what": what, "due_on": str(due_on), "days_ahead": days_ahead, **(data or {})},
    )
    return True
