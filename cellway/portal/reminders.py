"""Reminders of follow-up questionnaires waiting to be answered from home, sent once a day by the scheduler.

The day a follow-up point's window opens (as for a visit, `outcomes.services.early_window_days` before it is due),
the patient, their guardian and every helper let into the questionnaires are mailed, each in their own language,
that a questionnaire is waiting, with the portal's sign-in; once more `PORTAL_QUESTIONNAIRE_REMIND_AGAIN_DAYS` later
if it is still unanswered. Each reminder is claimed as a `cases.Reminder` row first (`cases.services.claim_reminder`,
as payment and follow-up reminders are), so a second run, or a second scheduler, mails nobody twice; the mails go
through the spine's one mail path (`cases.notify.later_to_person`). The mail says nothing medical.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils.http import urlencode

from cellway.cases import notify
from cellway.cases.events import EventKind
from cellway.cases.services import claim_reminder, lock_case
from cellway.clinic import public_url
from cellway.outcomes.models import FollowUpAssessment
from cellway.outcomes.services import early_window_days
from cellway.portal.models import PortalGrant, Relation, Scope
from cellway.portal.selectors import questionnaires_due
from cellway.portal.services import REPORT_STAGES

TEMPLATE = "email/portal_questionnaire_waiting.txt"
# The early windows outcomes gives any follow-up point (14 days up to the 3-month point, 30 after, as it stands),
# asked of outcomes itself for twenty years of points: the due dates worth a look today follow from them.
EARLY_WINDOWS = frozenset(early_window_days(months) for months in range(1, 20 * 12 + 1))


def remind_again_days() -> int:
    """Days after a questionnaire's window opened on which it is reminded once more, if still unanswered."""
    return int(settings.PORTAL_QUESTIONNAIRE_REMIND_AGAIN_DAYS)


def opens_on(assessment: FollowUpAssessment) -> dt.date:
    """The day the follow-up point's questionnaire may first be answered from home (its window opens)."""
    return assessment.due_on - dt.timedelta(days=early_window_days(assessment.months_after))


def due_today(today: dt.date) -> list[FollowUpAssessment]:
    """Open follow-up points of cases followed up from home whose window opens today, or opened
    `remind_again_days()` ago: one reminder per point and level. Answers are checked when each is claimed."""
    again = remind_again_days()
    days = {today + dt.timedelta(days=w - lag) for w in EARLY_WINDOWS for lag in (0, again)}
    candidates = (
        FollowUpAssessment.objects.filter(
            due_on__in=days, completed_at__isnull=True, missed__isnull=True, case__stage__in=[s.value for s in REPORT_STAGES]
        )
        .select_related("case")
        .order_by("due_on", "pk")
    )
    return [a for a in candidates if today in {opens_on(a), opens_on(a) + dt.timedelta(days=again)}]


def recipients(assessment: FollowUpAssessment, today: dt.date) -> list[PortalGrant]:
    """The open grants whose person hears of the questionnaire: the patient, a guardian, helpers let into it."""
    grants = (
        PortalGrant.objects.filter(case_id=assessment.case_id, revoked_at__isnull=True, person__is_active=True)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today))
        .exclude(person__email="")
        .select_related("person")
        .order_by("granted_at", "pk")
    )
    return [g for g in grants if g.relation in {Relation.PATIENT, Relation.GUARDIAN} or g.allows(Scope.QUESTIONNAIRES)]


def send_questionnaire_reminders(*, today: dt.date) -> int:
    """Queue today's questionnaire reminders, each once. Returns how many reminders were claimed (each mails
    every person who hears of it)."""
    sent = 0
    for assessment in due_today(today):
        with transaction.atomic():
            case = lock_case(assessment.case_id)
            if case.stage_enum not in REPORT_STAGES or assessment.pk not in {a.pk for a in questionnaires_due(case)}:
                continue  # withdrawn, answered, recorded at a visit, or the clinic asks no questions
            people = recipients(assessment, today)
            if not people:
                continue  # nobody reaches the case through the portal: nothing to remind
            again = today != opens_on(assessment)
            if not claim_reminder(
                case=case,
                kind=EventKind.FOLLOW_UP_REMINDER,
                what=f"questionnaire:{assessment.months_after}",
                due_on=assessment.due_on,
                today=today,
                summary=f"{'Second reminder' if again else 'Reminder'} sent: the {assessment.months_after}-month questionnaire "
                f"is waiting in the portal ({len(people)} {'person' if len(people) == 1 else 'people'})",
                data={"assessment": assessment.pk, "people": [g.person_id for g in people]},
            ):
                continue
            follow_up = reverse("portal:follow_up", kwargs={"uuid": case.uuid})
            link = public_url(reverse("portal:sign_in") + "?" + urlencode({"next": follow_up}))
            for grant in people:
                notify.later_to_person(
                    case_id=case.pk,
                    person_id=grant.person_id,
                    template=TEMPLATE,
                    # Answered in the meantime (a busy queue): no reminder of a questionnaire already done.
                    unless_recorded=("outcomes.FollowUpAssessment", assessment.pk, "answered_at_home"),
                    link=link,
                    again=int(again),
                    name=grant.person.get_full_name(),
                )
        sent += 1
    return sent
