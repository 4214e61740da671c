"""The cohort report on the demo cohort: intervals shown above the minimum, withheld below it; bounded queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cellway.cases.models import Condition
from cellway.clinic import clinic_today
from cellway.demo.outcomes import load_outcomes_demo
from cellway.outcomes import cohort

# The cohort is made once, on one worker (make test and CI run with --dist loadgroup).
pytestmark = pytest.mark.xdist_group("demo_cohort")


@pytest.fixture(scope="module")
def demo_cohort(django_db_setup, django_db_blocker):
    """The demo staff and cohort, made once for the module (about half a minute on a busy CI machine) inside a
    transaction rolled back after its last test; each test runs in a savepoint of its own within it, so what one
    test changes (a case ended) the next does not see."""
    from django.core.management.sql import emit_post_migrate_signal
    from django.db import transaction

    from cellway.demo.staff import ensure_staff

    with django_db_blocker.unblock(), transaction.atomic():
        if not Condition.objects.exists():  # a transactional test flushed the roles and conditions (the root conftest)
            emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
        people = ensure_staff()
        load_outcomes_demo(people, patients=8, seed=7)
        yield people
        transaction.set_rollback(True)


@pytest.fixture
def demo(demo_cohort, db, settings):
    settings.OUTCOMES_MIN_COHORT = 5
    return demo_cohort


def _report(**kw):
    today = clinic_today()
    return cohort.report(condition=Condition.objects.get(code="ms"), start=dt.date(today.year - 4, 1, 1), end=today, today=today, **kw)


def test_the_demo_cohort_report_has_intervals(demo):
    r = _report()
    assert r.patients == 9  # 8 followed for 1-3 years and one with a baseline only
    by = {f.label: f for f in r.figures}
    six = by["With at least 6 months of follow-up"]
    assert six.shown and six.proportion and 0 <= six.proportion.low <= six.proportion.share <= six.proportion.high <= 1
    arr = by["Annualised relapse rate"]
    assert arr.shown and arr.rate and arr.rate.low <= arr.rate.rate <= arr.rate.high
    changed = [
        by[k].proportion for k in ("Confirmed EDSS improvement (12-week)", "Confirmed EDSS worsening (12-week)", "No confirmed EDSS change")
    ]
    assert all(p is not None for p in changed)
    assert sum(p.k for p in changed if p) >= changed[0].n  # type: ignore[union-attr]
    assert all(c.shown and c.steps[0].survival == 1.0 for c in r.curves)


def test_the_demo_cohort_has_safety_figures(demo):
    by = {f.label: f for f in _report().figures}
    any_event = by["Any adverse event"].proportion
    assert any_event is not None and any_event.n == 9 and any_event.k > 0  # the demo has events to show
    severe, serious, related = (
        "Adverse event of grade 3 or higher (CTCAE)",
        "Serious adverse event (ICH E2A)",
        "Adverse event related to the cells or the procedure",
    )
    for label in (severe, serious, related):
        share = by[label].proportion
        assert by[label].shown and share is not None and share.k <= any_event.k


def test_figures_below_the_minimum_are_withheld(demo, settings):
    settings.OUTCOMES_MIN_COHORT = 50
    r = _report()
    assert all(not f.shown for f in r.figures if f.label != "Patients treated in the period")
    assert not r.figures[0].shown
    assert all(not c.shown and not c.steps for c in r.curves)


def test_the_lost_are_counted(demo, staff):
    from cellway.cases import services as cases
    from cellway.cases.stages import Stage

    case = cohort.treated_cases(Condition.objects.get(code="ms"), dt.date(2000, 1, 1), clinic_today()).filter(stage=Stage.FOLLOW_UP).first()
    cases.end_case(case=case, to=Stage.WITHDRAWN, by=staff["carla"], reason="Lost contact")
    before = {f.label: f for f in _report().figures}["Lost to follow-up"].proportion
    assert before is not None and before.k >= 1


def test_the_report_page_renders_and_its_queries_do_not_grow(client, demo):
    client.force_login(demo["sofia"])
    url = reverse("outcomes:cohort")
    with CaptureQueriesContext(connection) as ctx:
        page = client.get(url)
    assert page.status_code == 200
    assert "95% CI" in page.text and "Kaplan" in page.text and page.text.count("<svg") == 2
    assert len(ctx.captured_queries) <= 15
