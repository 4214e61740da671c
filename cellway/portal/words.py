"""The clinic's terms in plain words for the patient, in their language."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from cellway.cases.stages import Stage

# Where the case stands, and what happens next, for each stage.
STANDING: dict[Stage, tuple[Promise, Promise]] = {
    Stage.INQUIRY: (_("We are collecting your medical records."), _("Send us the records listed below.")),
    Stage.TRIAGE: (_("Your records are complete."), _("Our medical team is choosing the specialist for your case.")),
    Stage.REVIEW: (_("A specialist is reviewing your records."), _("They will write your treatment plan; we will send you its price.")),
    Stage.QUOTED: (_("Your treatment plan is ready, with its price."), _("Read the quote below and accept it if you agree.")),
    Stage.ACCEPTED: (
        _("You accepted the quote."),
        _("Have the cancer-marker screening done at home and send us the report (see Screening below)."),
    ),
    Stage.CLEARED: (_("Your screening is satisfactory."), _("We will propose the dates of your stay.")),
    Stage.SCHEDULED: (_("Your dates are set."), _("Pay the deposit by its due date so we can book your stay.")),
    Stage.DEPOSIT_PAID: (_("We received your deposit."), _("Pay the balance by its due date.")),
    Stage.PAID: (_("Your treatment is paid in full."), _("Check your itinerary below; we look forward to welcoming you.")),
    Stage.ARRIVED: (_("You are with us at the clinic."), _("Your care team will guide you through each day.")),
    Stage.IN_TREATMENT: (_("Your treatment is under way."), _("Your care team will guide you through each day.")),
    Stage.TREATED: (_("Your treatment is complete."), _("Your specialist is writing your post-treatment protocol.")),
    Stage.FOLLOW_UP: (_("You are in follow-up."), _("We will remind you of each follow-up assessment.")),
    Stage.CLOSED: (_("Your follow-up is complete."), _("Thank you for your trust.")),
    Stage.DECLINED: (_("This case has ended at your request."), _("Write to us if you change your mind.")),
    Stage.REFUSED: (_("The clinic could not go on with this case."), _("Your care team has written to you with the reason.")),
    Stage.WITHDRAWN: (_("This case has been closed."), _("Write to us if you wish to reopen it.")),
}

RECORD_KINDS: dict[str, Promise] = {
    "imaging": _("Imaging (MRI, CT, X-ray)"),
    "hematology": _("Blood tests"),
    "assessment": _("Your doctor's assessment report"),
    "media": _("Pictures or videos"),
    "screening": _("Cancer-marker screening report"),
    "consent": _("Signed informed consent"),
    "unsorted": _("Other (your care team will sort it)"),
}

# The state of a file sent from the portal, as records' intake moves it (records.selectors.sent_file_state).
FILE_STATES: dict[str, Promise] = {
    "checking": _("being checked"),
    "received": _("received"),
    "infected": _("refused: our virus check found a problem in this file. It will not be opened."),
    "unreadable": _("refused: we could not read this file. Your care team will tell you what to send instead."),
}

TASK_KINDS: dict[str, Promise] = {
    "airport_transfer": _("Airport transfer"),
    "accommodation": _("Accommodation"),
    "session_transport": _("Transport to and from sessions"),
    "hospital_room": _("Hospital room"),
}

INVOICE_KINDS: dict[str, Promise] = {"deposit": _("Deposit"), "balance": _("Balance")}

# What became of a report from home (portal.models.ReviewDecision), for the patient; %(day)s is the review's day.
REVIEW_OUTCOMES: dict[str, Promise] = {
    "": _("Your care team has not reviewed it yet."),
    "adverse_event": _("Your care team reviewed it on %(day)s and recorded it as a side effect, which they follow up."),
    "not_adverse_event": _("Your care team reviewed it on %(day)s: they judged it is not a side effect of your treatment."),
    "relapse": _("Your care team reviewed it on %(day)s and recorded it as a relapse in your follow-up record."),
}
