"""The portal's forms: asking for a sign-in code, letting a helper in, accepting the quote, the language."""

from __future__ import annotations

from typing import Any

from allauth.account.forms import RequestLoginCodeForm
from django import forms
from django.utils.translation import gettext_lazy as _

from cellway.outcomes.models import ReportedMeasure
from cellway.portal.models import Relation, ReportKind, Scope
from cellway.portal.selectors import is_portal_person


class CodeRequestForm(RequestLoginCodeForm):  # type: ignore[misc]  # allauth ships no type hints
    """allauth's "mail me a sign-in code", for portal people only.

    Anyone else's address (a member of staff, a person without an open grant, nobody's) is answered exactly as
    a portal person's is, and no code is sent: staff keep signing in by password and second factor, and the
    page tells nobody whether an address is known. allauth counts every request against the address's limit.
    """

    def clean_email(self) -> str:
        email: str = super().clean_email()
        person = getattr(self, "_user", None)
        if person is not None and not is_portal_person(person):
            self._user = None
        return email


class HelperForm(forms.Form):
    full_name = forms.CharField(label=_("Their name"), max_length=200)
    email = forms.EmailField(label=_("Their email address"), max_length=254)
    relation = forms.ChoiceField(
        label=_("Who they are to you"), choices=[c for c in Relation.choices if c[0] not in {Relation.PATIENT, Relation.GUARDIAN}]
    )
    scopes = forms.MultipleChoiceField(label=_("What they may see"), choices=Scope.choices, widget=forms.CheckboxSelectMultiple)
    ends_on = forms.DateField(label=_("Last day of access"), widget=forms.DateInput(attrs={"type": "date"}))


class AcceptQuoteForm(forms.Form):
    quote = forms.UUIDField(widget=forms.HiddenInput)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    digest = forms.CharField(widget=forms.HiddenInput, max_length=64, min_length=64)
    agree = forms.BooleanField(label=_("I have read this quote and accept it."))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agree"].error_messages["required"] = _("Tick the box to accept the quote.")


class SignConsentForm(forms.Form):
    document = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    sha256 = forms.CharField(widget=forms.HiddenInput, max_length=64, min_length=64)
    agree = forms.BooleanField(label=_("I have read this form, I understand it, and I consent."))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agree"].error_messages["required"] = _("Tick the box to sign.")


class QuestionnaireForm(forms.Form):
    """One number per question of the clinic's questionnaire, in the reader's language; the ranges are the
    registry's (the service refuses an answer outside them; the inputs show them)."""

    assessment = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args: Any, measures: list[ReportedMeasure], language: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for measure in measures:
            self.fields[f"m_{measure.code}"] = forms.DecimalField(
                label=measure.question(language),
                max_digits=6,
                decimal_places=1,
                help_text=_("from %(low)s to %(high)s") % {"low": measure.low.normalize(), "high": measure.high.normalize()},
                widget=forms.NumberInput(attrs={"min": measure.low, "max": measure.high, "step": "0.5", "inputmode": "decimal"}),
            )
            self.fields[f"m_{measure.code}"].error_messages["required"] = _("Answer this question.")

    def answers(self) -> dict[str, Any]:
        return {name[2:]: value for name, value in self.cleaned_data.items() if name.startswith("m_")}


class ReportForm(forms.Form):
    kind = forms.ChoiceField(label=_("What are you reporting?"), choices=ReportKind.choices, widget=forms.RadioSelect)
    started_on = forms.DateField(label=_("When did it start?"), widget=forms.DateInput(attrs={"type": "date"}))
    description = forms.CharField(label=_("What happened"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4}))


class VisaLetterForm(forms.Form):
    """The passport details a visa invitation letter names (the rules on them are the service's)."""

    name_in_passport = forms.CharField(label=_("Full name as printed in the passport"), max_length=120)
    passport_number = forms.CharField(label=_("Passport number"), max_length=20)
    nationality = forms.CharField(label=_("Nationality"), max_length=60)
    date_of_birth = forms.DateField(label=_("Date of birth"), widget=forms.DateInput(attrs={"type": "date"}))
    passport_expiry = forms.DateField(label=_("Passport valid until"), widget=forms.DateInput(attrs={"type": "date"}))


class MessageForm(forms.Form):
    """A message to the care team. ``client_id`` is chosen when the page is drawn: a double click or a retried post
    carries the same one, and the service stores one message. The size is the service's rule (the browser is told
    it too); the form does not restate it."""

    client_id = forms.UUIDField(widget=forms.HiddenInput)
    body = forms.CharField(label=_("Your message"), strip=False, widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args: Any, max_chars: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["body"].widget.attrs["maxlength"] = max_chars
        self.fields["body"].error_messages["required"] = _("Write your message before sending it.")
