"""Messages with the care team, on the case's one thread (scope *messages*): the case page's section and its form.

Kept apart from ``views.py`` (one line there adds the section to the case page): what the portal shows of the
thread is ``selectors.messages_for`` (the one rule), what may be written is ``services.write_message``.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cellway.conversations.models import Channel, Direction, Message
from cellway.conversations.services import MessageRefused
from cellway.errors import NotAllowed
from cellway.portal import services
from cellway.portal.forms import MessageForm
from cellway.portal.models import PortalGrant, Relation, Scope
from cellway.portal.selectors import grant_with_scope, messages_for


def _who(message: Message, grant: PortalGrant) -> str:
    """Who said it, and on whose behalf, in the reader's language."""
    if message.channel == Channel.PORTAL and message.direction == Direction.INBOUND:
        if message.author_id == grant.person_id:
            return _("You")
        name = message.author_label
        if not message.on_behalf_of:
            return _("%(name)s (%(relation)s)") % {"name": name, "relation": Relation.PATIENT.label}
        relation = Relation(message.author_role).label if message.author_role in Relation.values else message.author_role
        return _("%(name)s (%(relation)s), on behalf of %(patient)s") % {
            "name": name,
            "relation": relation,
            "patient": message.on_behalf_of,
        }
    if message.direction == Direction.OUTBOUND:
        if message.author_id is not None:
            return _("%(name)s, your care team") % {"name": message.author_label}
        return settings.CLINIC_NAME
    return message.author_label or message.email_address


def _how(message: Message) -> str:
    if message.channel == Channel.EMAIL:
        return (_("email to %(address)s") if message.direction == Direction.OUTBOUND else _("email from %(address)s")) % {
            "address": message.email_address
        }
    return _("in the portal")


def section(grant: PortalGrant, form: MessageForm | None = None) -> dict[str, Any]:
    """The case page's messages section for a grant that opens *messages* (else nothing)."""
    if not grant.allows(Scope.MESSAGES):
        return {}
    entries = [
        {
            "who": _who(m, grant),
            "how": _how(m),
            "when": m.occurred_at,
            "subject": m.subject,
            "body": m.body,
            "ours": m.direction == Direction.INBOUND,
        }
        for m in messages_for(grant)
    ]
    max_chars = settings.PORTAL_MESSAGE_MAX_CHARS
    form = form or MessageForm(initial={"client_id": uuid.uuid4()}, max_chars=max_chars, auto_id="message-%s")
    return {"messages_section": {"entries": entries, "form": form, "max_chars": max_chars}}


def _refused(code: str) -> str:
    if code == "rate":
        return (
            _("You have sent many messages in the last hour; your care team has them all. Please wait a little before writing again.")
            + " "
            + _("At most %(count)s messages an hour.") % {"count": settings.PORTAL_MESSAGES_PER_HOUR}
        )
    if code == "size":
        return _("Your message is too long: at most %(count)s characters. Shorten it, or send it in two parts.") % {
            "count": settings.PORTAL_MESSAGE_MAX_CHARS
        }
    if code == "empty":
        return _("Write your message before sending it.")
    return _("This message could not be sent as it was. Reload the page and send it again.")


@login_required(login_url="portal:sign_in")
@require_POST
def write(request: HttpRequest, uuid: str) -> HttpResponse:
    """Send a message to the care team; the case page again, the message at the end of the thread."""
    from cellway.portal.views import _case_context  # the page to show again after a refusal

    grant = grant_with_scope(request.user, uuid, Scope.MESSAGES)
    max_chars = settings.PORTAL_MESSAGE_MAX_CHARS
    form = MessageForm(request.POST, max_chars=max_chars, auto_id="message-%s")
    status = 422
    if form.is_valid():
        try:
            _message, new = services.write_message(
                grant=grant, client_id=str(form.cleaned_data["client_id"]), body=form.cleaned_data["body"]
            )
        except NotAllowed as refusal:
            raise PermissionDenied(refusal.message) from None
        except MessageRefused as refusal:
            form.add_error("body", _refused(refusal.code))
            status = 429 if refusal.code == "rate" else 422
        else:
            if new:
                messages.success(request, _("Your message is with your care team. They answer here, and we email you when they do."))
            return redirect(reverse("portal:case", kwargs={"uuid": grant.case.uuid}) + "#messages")
    context = _case_context(request, grant)
    context.update(section(grant, form))
    return render(request, "portal/case.html", context, status=status)
