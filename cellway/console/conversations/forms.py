"""Forms of the conversations' staff pages: types and shapes only; the rules are the services'."""

from __future__ import annotations

from django import forms

from cellway import limits
from cellway.conversations.models import LOGGED_CHANNELS, Channel, Direction


class LoggedContactForm(forms.Form):
    channel = forms.ChoiceField(choices=[(c.value, Channel(c).label) for c in LOGGED_CHANNELS], label="How")
    direction = forms.ChoiceField(
        choices=[(Direction.INBOUND.value, "They reached us"), (Direction.OUTBOUND.value, "We reached them")], label="Who reached out"
    )
    contact = forms.CharField(max_length=limits.NAME, label="With whom", help_text="e.g. the patient, or Layla (daughter)")
    occurred_at = forms.DateTimeField(label="When", widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"))
    summary = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=limits.NOTE, label="What was said")


class AttachMailForm(forms.Form):
    case_code = forms.CharField(max_length=16, label="Case code", help_text="e.g. CW-2026-0001")


class PortalReplyForm(forms.Form):
    # Chosen when the case page is drawn: a double click posts one reply.
    client_id = forms.UUIDField(widget=forms.HiddenInput)
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), strip=False, label="Your reply")


class StaffMailForm(forms.Form):
    """A mail to one of the case's people; the addresses offered are the service's (``mail_recipients``)."""

    to = forms.ChoiceField(label="To", choices=())
    subject = forms.CharField(max_length=limits.SHORT, label="Subject")
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 6}), max_length=limits.MESSAGE, label="Text")

    def __init__(self, *args: object, recipients: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["to"].choices = recipients  # type: ignore[attr-defined]
