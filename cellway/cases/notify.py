"""Every email Cellway sends about a case: rendered and sent here, by a background task after commit.

A domain's service calls ``later(notice, case_id=..., **context)`` inside its
transaction; the tasks are enqueued only if the transaction commits, and they
load the case afresh, so a rolled-back write never mails anyone.

A notice is two separate mails: one to the patient alone (``email/<name>.txt``)
and one to the staff concerned (``email/staff/<name>.txt``). A patient and
staff are never on one To: line: it would show the clinic's internal
addresses to the patient, and the patient's to every other recipient.
The first line of a template is the subject; the rest is the body.

A mail to a patient or family (``mail_contact``) is in their language, carries
the case's reply address as Reply-To (``cases.reply_address``) and a
Message-ID made here; ``contact_mailed`` is sent with it before the mail goes,
so the conversations app stores it on the case's thread (replies are matched
by that Message-ID).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, make_msgid, send_mail
from django.db import models, transaction
from django.tasks import task
from django.template.loader import render_to_string
from django.utils import translation

from cellway.cases.languages import case_language
from cellway.cases.models import Case
from cellway.cases.reply_address import reply_address
from cellway.cases.signals import contact_mailed

PATIENT = "patient"
# Staff who hear about a case: everyone active in the role, or the case's assigned specialist.
STAFF_ROLES = {"care": "Customer care", "logistics": "Logistics", "finance": "Finance", "liaison": "Liaison officer"}
SPECIALIST = "specialist"
# The clinic's medical director (settings.MEDICAL_DIRECTOR_EMAIL), told at once of a serious adverse event.
MEDICAL_DIRECTOR = "medical_director"


@dataclass(frozen=True)
class Notice:
    """One kind of news about a case: whether the patient is told, and which staff are."""

    name: str
    patient: bool
    staff: tuple[str, ...] = ()


case_assigned = Notice("assigned", patient=False, staff=(SPECIALIST,))
quote_issued = Notice("quote_issued", patient=True, staff=("care",))
screening_judged = Notice("screening_judged", patient=True, staff=("care", SPECIALIST))
case_ended = Notice("ended", patient=True, staff=("care",))
scheduled = Notice("scheduled", patient=True, staff=("logistics", "finance"))
payment_due = Notice("payment_due", patient=True, staff=("finance",))
# An inquiry from the public site: the visitor is acknowledged in their language, customer care hears of it.
inquiry_received = Notice("inquiry_received", patient=True, staff=("care",))
# The assigned specialist and customer care book the follow-up visit.
follow_up_due = Notice("follow_up_due", patient=True, staff=(SPECIALIST, "care"))
# Rule 11: a serious adverse event, to the medical director and the assigned specialist.
serious_adverse_event = Notice("serious_adverse_event", patient=False, staff=(MEDICAL_DIRECTOR, SPECIALIST))


def later(
    notice: Notice,
    *,
    case_id: int,
    unless_recorded: tuple[str, int, str] | None = None,
    language: str | None = None,
    **context: str | int | None,
) -> None:
    """Send ``notice`` about the case once the current transaction commits.

    ``context`` goes to the templates as it is (plain values: it travels
    through the task queue). ``unless_recorded`` = (model label, pk, field)
    names what a reminder is about: the mail is skipped if, by the time it
    goes, that field is set (an assessment recorded in the meantime).
    """
    mails: list[tuple[str, list[str]]] = []
    if notice.patient:
        mails.append((f"email/{notice.name}.txt", [PATIENT]))
    if notice.staff:
        mails.append((f"email/staff/{notice.name}.txt", list(notice.staff)))
    guard: list[str | int] | None = list(unless_recorded) if unless_recorded else None

    def enqueue() -> None:
        for template, audience in mails:
            send_case_email.enqueue(
                case_id=case_id,
                template=template,
                audience=audience,
                context=context,
                unless_recorded=guard,
                language=language if PATIENT in audience else None,
            )

    transaction.on_commit(enqueue)


def later_to_person(
    *, case_id: int, person_id: int, template: str, unless_recorded: tuple[str, int, str] | None = None, **context: str | int | None
) -> None:
    """Mail one person let into the case (the patient, a guardian, a helper) once the current transaction commits.

    In the person's own language (``User.language``) and to their address alone, as ``mail_contact`` sends any mail
    to a patient or family; nothing goes to a person since deactivated. ``unless_recorded`` as for ``later``.
    """
    guard: list[str | int] | None = list(unless_recorded) if unless_recorded else None
    transaction.on_commit(
        lambda: send_person_email.enqueue(case_id=case_id, person_id=person_id, template=template, context=context, unless_recorded=guard)
    )


def addresses(case: Case, audience: Sequence[str]) -> list[str]:
    """The addresses of one mail's audience. The patient is only ever an audience alone."""
    if PATIENT in audience:
        if len(audience) > 1:
            raise ValueError("A mail to the patient goes to the patient alone; staff get their own notice.")
        return [case.patient.email] if case.patient.email else []
    User = get_user_model()
    emails: set[str] = set()
    for who in audience:
        if who == MEDICAL_DIRECTOR:
            emails.update(settings.MEDICAL_DIRECTOR_EMAIL)
        elif who == SPECIALIST:
            if case.specialist and case.specialist.is_active and case.specialist.email:
                emails.add(case.specialist.email)
        elif who in STAFF_ROLES:
            emails.update(
                User.objects.filter(groups__name=STAFF_ROLES[who], is_active=True).exclude(email="").values_list("email", flat=True)
            )
        else:
            raise ValueError(f"Unknown audience {who!r}.")
    return sorted(emails)


def _already_recorded(unless_recorded: list[str | int] | None) -> bool:
    if not unless_recorded:
        return False
    label, pk, field = unless_recorded
    # The model is named at run time, so the plugin cannot know which; any model has a default manager.
    model: type[models.Model] = apps.get_model(str(label))
    return model._default_manager.filter(pk=pk).exclude(**{f"{field}__isnull": True}).exists()


@task
def send_case_email(
    *,
    case_id: int,
    template: str,
    audience: list[str],
    context: dict[str, str | int | None],
    unless_recorded: list[str | int] | None = None,
    language: str | None = None,
) -> int:
    """Render ``template`` for the case and send it to one audience. Returns how many mails were sent (0 or 1)."""
    if _already_recorded(unless_recorded):
        return 0
    case = Case.objects.select_related("patient", "specialist", "condition").get(pk=case_id)
    to = addresses(case, audience)
    if not to:
        return 0
    if PATIENT in audience:
        mail_contact(case=case, to=to[0], template=template, context=context, language=language)
        return 1
    with translation.override(settings.LANGUAGE_CODE):
        subject, body = render(template, {"case": case, "clinic": settings.CLINIC_NAME, **context})
    return send_mail(subject, body, None, to)


@task
def send_person_email(
    *, case_id: int, person_id: int, template: str, context: dict[str, str | int | None], unless_recorded: list[str | int] | None = None
) -> int:
    """Render ``template`` in the person's language and send it to them alone. Returns how many mails were sent (0 or 1)."""
    if _already_recorded(unless_recorded):
        return 0
    person = get_user_model().objects.filter(pk=person_id, is_active=True).exclude(email="").first()
    if person is None:
        return 0
    case = Case.objects.select_related("patient", "specialist", "condition").get(pk=case_id)
    mail_contact(case=case, to=person.email, template=template, context=context, language=getattr(person, "language", None))
    return 1


def render(template: str, context: dict[str, object]) -> tuple[str, str]:
    """A mail's subject (the template's first line) and body, in the language active now."""
    text = render_to_string(template, context)
    subject, _, body = text.strip().partition("\n")
    return subject.strip(), body.strip() + "\n"


def mail_contact(
    *,
    case: Case | None,
    to: str,
    template: str,
    context: dict[str, str | int | None],
    language: str | None = None,
    message_id: str | None = None,
    automatic: bool = False,
) -> str:
    """Send one mail to one patient or family member (or a person who wrote to the clinic) and nobody else.

    In ``language`` (else the case's), with the case's reply address as Reply-To and a new Message-ID (or
    ``message_id``, made by a caller that stored the mail on the thread already), which is returned.
    ``contact_mailed`` is sent first, so the thread holds the mail before it goes; ``automatic`` marks a notice
    the clinic's machinery sends (it is no one's word in the conversation)."""
    language = language or (case_language(case) if case is not None else settings.LANGUAGE_CODE)
    with translation.override(language):
        subject, body = render(template, {"case": case, "clinic": settings.CLINIC_NAME, **context})
    message_id = message_id or make_msgid(domain=settings.REPLY_DOMAIN)
    mail = EmailMessage(
        subject,
        body,
        None,
        [to],
        reply_to=[reply_address(case.code)] if case is not None else None,
        headers={"Message-ID": message_id},
    )
    contact_mailed.send(sender=Case, case=case, to=to, subject=subject, body=body, message_id=message_id, automatic=automatic)
    mail.send()
    return message_id
