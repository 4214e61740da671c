"""The portal's own mails (an invitation, a family member let in), in the language of the person they go to."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.tasks import task
from django.template.loader import render_to_string
from django.utils import translation

from cellway.clinic import public_url


def later(template: str, *, person_id: int, **context: str) -> None:
    """Mail `person` from `template` (first line the subject) once the current transaction commits."""
    transaction.on_commit(lambda: send_portal_mail.enqueue(person_id=person_id, template=template, context=context))


@task
def send_portal_mail(*, person_id: int, template: str, context: dict[str, str]) -> int:
    """Render the mail in the person's language and send it to their address alone. Returns the mails sent."""
    person = get_user_model().objects.get(pk=person_id)
    if not person.email or not person.is_active:
        return 0
    with translation.override(person.language):
        text = render_to_string(
            template, {"person": person, "clinic": settings.CLINIC_NAME, "sign_in": public_url("/portal/sign-in/"), **context}
        )
    subject, _, body = text.strip().partition("\n")
    return send_mail(subject.strip(), body.strip() + "\n", None, [person.email])
