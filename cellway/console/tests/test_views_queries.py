"""The queue pages and the case page cost the same number of queries whatever the data size."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cellway.cases import services as cases
from cellway.cases.stages import Stage
from cellway.clinic import clinic_today
from cellway.treatment import services as treatment


def count_queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_the_liaison_queue_costs_the_same_for_one_case_or_many(client, staff, case_at):
    client.force_login(staff["liam"])
    url = reverse("console:queue", args=["triage"])
    case_at(Stage.TRIAGE)
    few = count_queries(client, url)
    for _ in range(6):
        case_at(Stage.TRIAGE)
    assert count_queries(client, url) == few
    assert few <= 10


def test_the_case_page_costs_the_same_however_long_its_history(client, staff, case_at):
    client.force_login(staff["sofia"])
    short = case_at(Stage.FOLLOW_UP)
    long = case_at(Stage.IN_TREATMENT)
    for n, kind in enumerate(["physio"] * 5 + ["occupational"] * 3):
        treatment.log_session(case=long, by=staff["nina"], kind=kind, day=clinic_today(), given=f"Session {n}")
        cases.record_event(case=long, by=staff["carla"], kind="note", summary=f"Called the family ({n})")
    remaining = [("iv", 2), ("it", 1), ("supplementary", 1), ("supplementary", 2), ("rehab", 1), ("rehab", 2)]
    treatment.set_aside(case=long, by=staff["nina"], items=remaining, reason="Flew home early")
    treatment.complete_treatment(case=long, by=staff["sofia"])
    from cellway.demo.journey import PROTOCOL
    from cellway.demo.staff import DEMO_PASSWORD

    treatment.issue_protocol(case=long, by=staff["sofia"], instructions=PROTOCOL, password=DEMO_PASSWORD)
    assert long.events.count() > short.events.count()
    # Second visits: the first one in ten minutes also writes the medical read on the trail.
    count_queries(client, reverse("console:case", args=[short.uuid]))
    count_queries(client, reverse("console:case", args=[long.uuid]))
    baseline = count_queries(client, reverse("console:case", args=[short.uuid]))
    longer = count_queries(client, reverse("console:case", args=[long.uuid]))
    # A history longer than the timeline shows: the stage bar asks for the stages reached (one query).
    assert longer <= baseline + 1
    for n in range(40):
        cases.record_event(case=long, by=staff["carla"], kind="note", summary=f"Called the family again ({n})")
    assert count_queries(client, reverse("console:case", args=[long.uuid])) == longer
    # 15, and since rule 10 the consent panel's rows and the checklist's files (the signed form's scan), and the
    # sessions' vital signs; and with every planned session logged, the short case's history too is longer than
    # the timeline shows (the stage bar's one query); the thread's people for its reply and mail forms (one); and for a
    # specialist or nurse, the navigation's count of the reports from home waiting for their review (one on every page).
    assert baseline <= 21


# The sessions panel reads the sessions and their vital signs, the plan's items (sessions fulfilled, deviations;
# the plan itself is read once for the page) and asks the balance and consent gates.
BUDGET = {"sessions": 6}


def test_each_panel_of_the_case_page_costs_a_bounded_number_of_queries(rf, staff, case_at):
    """A panel reads its rows and asks its checks in at most a few queries, whatever the history."""
    from cellway.console.cases.views import CASE_PANELS, CASE_PROBES
    from cellway.console.panels import CasePage

    case = case_at(Stage.IN_TREATMENT)
    for n in range(5):
        treatment.log_session(case=case, by=staff["nina"], kind="physio", day=clinic_today(), given=f"Physiotherapy {n}")
    for who in ("sofia", "liam", "fiona", "nina"):
        user = staff[who]
        request = rf.get("/")
        request.user = user
        page = CasePage(request=request, user=user, case=case, probes=CASE_PROBES)
        user.get_all_permissions()  # the request's permissions are read once, before any panel
        page.holds("sessions")  # and which parts the case holds, with the case itself
        for source in CASE_PANELS:
            with CaptureQueriesContext(connection) as ctx:
                source(page)
            queries = [q["sql"] for q in ctx.captured_queries]
            assert len(queries) <= BUDGET.get(source.__name__, 4), (who, source.__module__, source.__name__, queries)


def test_the_case_list_costs_the_same_for_one_page_of_cases_or_another(client, staff, case_at):
    client.force_login(staff["carla"])
    case_at(Stage.INQUIRY)
    one = count_queries(client, reverse("console:cases"))
    for _ in range(4):
        case_at(Stage.TRIAGE)
    assert count_queries(client, reverse("console:cases")) == one


def test_the_case_page_does_not_read_parts_the_case_does_not_hold(client, staff, case_at):
    """A case at triage has no plan, screening, quote, travel, sessions, files or studies: one probe, read with the
    case itself, says so, and none of those tables is read on its own."""
    client.force_login(staff["liam"])
    case = case_at(Stage.TRIAGE)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("console:case", args=[case.uuid]))
    assert response.status_code == 200
    tables = (
        "plans_therapyplan",
        "plans_screeningresult",
        "billing_quote",
        "travel_logisticstask",
        "treatment_treatmentsession",
        "treatment_posttreatmentprotocol",
        "outcomes_followupassessment",
        "records_recordfile",
        "records_imagingstudy",
    )
    own_reads = [q["sql"] for q in ctx.captured_queries if q["sql"].startswith("SELECT") and "EXISTS" not in q["sql"]]
    for table in tables:
        assert not [sql for sql in own_reads if f'FROM "{table}"' in sql], table
    # The session, the user, their roles and permissions, the case with its probes, the checklist, the
    # timeline, and the medical-read trail (checked, then written).
    assert len(ctx.captured_queries) <= 12, [q["sql"][:80] for q in ctx.captured_queries]


def test_a_probe_that_says_a_part_is_held_reads_it(client, staff, case_at):
    """The probe is not a cache: a case that holds a plan shows it."""
    client.force_login(staff["sofia"])
    case = case_at(Stage.QUOTED)
    response = client.get(reverse("console:case", args=[case.uuid]))
    assert response.status_code == 200
    plan = case.plans.get()
    page = response.content.decode()
    assert f"Version {plan.version} · Signed" in page
    assert f"{plan.cell_dose:,} wjMSCs" in page
