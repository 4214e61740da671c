"""The public site's forms: what a visitor types, bounded like the models; the rules are the services'."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from cellway import limits
from cellway.cases.models import Asker, Condition

# The consent text's version: stored with each inquiry, so what the visitor agreed to can be read back.
# Change it whenever CONSENT_TEXT changes.
CONSENT_VERSION = "health-data-2026-12-01"
CONSENT_TEXT = _(
    "I agree that the clinic processes the health information I send (including my records) to answer this "
    "inquiry and assess whether its therapy may help. I can withdraw this consent at any time by writing to the clinic."
)
# The languages the clinic answers in (stored as the patient's language, in English, as the console shows it).
LANGUAGE_CHOICES = [("English", _("English")), ("Chinese", _("Chinese")), ("Arabic", _("Arabic"))]
# The conditions' names as visitors read them (cellway.cases.conditions holds the clinic's list in English);
# a condition the clinic adds later shows its own name until it is translated here.
CONDITION_NAMES = {
    "ms": _("Multiple sclerosis"),
    "als": _("Amyotrophic lateral sclerosis"),
    "parkinsons": _("Parkinson's disease"),
    "autism": _("Autism spectrum disorder"),
    "cerebral-palsy": _("Cerebral palsy"),
    "spinal-cord-injury": _("Spinal cord injury"),
    "other": _("Other condition"),
}


class ConditionField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Condition) -> str:
        return str(CONDITION_NAMES.get(obj.code, obj.name))


# The honeypot's name: a field people never see (hidden by the stylesheet and from assistive technology).
HONEYPOT = "website"


class InquiryForm(forms.Form):
    asker = forms.ChoiceField(
        label=_("Who is asking?"),
        choices=[(Asker.PATIENT, _("I am the patient")), (Asker.FAMILY, _("I am writing for a family member or friend"))],
        widget=forms.RadioSelect,
    )
    full_name = forms.CharField(label=_("The patient's full name"), max_length=limits.NAME)
    date_of_birth = forms.DateField(label=_("The patient's date of birth"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    condition = ConditionField(label=_("Condition"), queryset=Condition.objects.order_by("name"), empty_label=None)
    country = forms.CharField(label=_("Country where the patient lives"), max_length=limits.COUNTRY)
    language = forms.ChoiceField(label=_("Preferred language for our answer"), choices=LANGUAGE_CHOICES)
    email = forms.EmailField(label=_("Your email address"), max_length=limits.EMAIL)
    phone = forms.CharField(label=_("Your phone number (optional)"), max_length=limits.PHONE, required=False)
    message = forms.CharField(
        label=_("Tell us about the patient's condition"), max_length=limits.MESSAGE, widget=forms.Textarea(attrs={"rows": 6})
    )
    consent = forms.BooleanField(label=CONSENT_TEXT, required=True)
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )


# The newsletter box's text: its version is stored with the subscription (cellway.newsletter.services.CONSENT_VERSION).
NEWSLETTER_TEXT = _("Also send me the clinic's weekly newsletter (you can unsubscribe in one click from any issue).")


class EbookForm(forms.Form):
    """The eBook (and, if ticked, the newsletter): an address, confirmed from a mail before anything is sent."""

    email = forms.EmailField(label=_("Your email address"), max_length=limits.EMAIL)
    newsletter = forms.BooleanField(label=NEWSLETTER_TEXT, required=False)
    website = forms.CharField(
        label=_("Leave this field empty"), required=False, widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"})
    )


class NewsletterForm(forms.Form):
    email = forms.EmailField(label=_("Your email address"), max_length=limits.EMAIL)
    website = forms.CharField(
        label=_("Leave this field empty"), required=False, widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"})
    )
