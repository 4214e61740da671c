"""Email notifications about a case, sent by a background task after commit.

Services call `later(...)` inside their transaction; the task is enqueued only
if the transaction commits, and it loads the case afresh, so a rolled-back
write never mails anyone.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.tasks import task
from django.template.loader import render_to_string

from cellway.cases.models import Case

# Who hears about what. "patient" is the patient's own address; the rest are
# the staff of that role (or the assigned specialist).
case_assigned = ("assigned", ("specialist",))
quote_issued = ("quote_issued", ("patient", "care"))
screening_judged = ("screening_judged", ("patient", "care", "specialist"))
case_ended = ("ended", ("patient", "care"))
scheduled = ("scheduled", ("patient", "logistics", "finance"))
payment_due = ("payment_due", ("patient", "finance"))


def later(notice: tuple[str, tuple[str, ...]], *, case_id: int, **context: object) -> None:
    template, audience = notice
    transaction.on_commit(lambda: send_case_email.enqueue(case_id=case_id, template=template, audience=list(audience), context=context))


def recipients(case: Case, audience: Iterable[str]) -> list[str]:
    User = get_user_model()
    roles = {"care": "Customer care", "logistics": "Logistics", "finance": "Finance", "liaison": "Liaison officer"}
    emails: list[str] = []
    for who in audience:
        if who == "patient" and case.patient.email:
            emails.append(case.patient.email)
        elif who == "specialist" and case.specialist and case.specialist.email:
            emails.append(case.specialist.email)
        elif who in roles:
            emails += User.objects.filter(groups__name=roles[who], is_active=True).exclude(email="").values_list("email", flat=True)
    return sorted(set(emails))


@task
def send_case_email(*, case_id: int, template: str, audience: list[str], context: dict[str, object]) -> int:
    """Render `email/<template>.txt` for the case and send it to the audience. Returns how many were sent."""
    case = Case.objects.select_related("patient", "specialist", "condition").get(pk=case_id)
    to = recipients(case, audience)
    if not to:
        return 0
    text = render_to_string(f"email/{template}.txt", {"case": case, "clinic": settings.CLINIC_NAME, **context})
    subject, _, body = text.strip().partition("\n")
    return send_mail(subject.strip(), body.strip() + "\n", None, to)
