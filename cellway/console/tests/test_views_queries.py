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
    for n in range(8):
        treatment.log_session(case=long, by=staff["nina"], kind="physio", day=clinic_today(), given=f"Physiotherapy {n}")
        cases.record_event(case=long, by=staff["carla"], kind="note", summary=f"Called the family ({n})")
    treatment.complete_treatment(case=long, by=staff["sofia"])
    from cellway.demo.journey import PROTOCOL
    from cellway.demo.staff import DEMO_PASSWORD

    treatment.issue_protocol(case=long, by=staff["sofia"], instructions=PROTOCOL, password=DEMO_PASSWORD)
    assert long.sessions.count() > short.sessions.count()
    baseline = count_queries(client, reverse("console:case", args=[short.uuid]))
    assert count_queries(client, reverse("console:case", args=[long.uuid])) == baseline
    assert baseline <= 26


def test_each_panel_of_the_case_page_costs_a_bounded_number_of_queries(rf, staff, case_at):
    """A panel reads its rows and asks its checks in at most a few queries, whatever the history."""
    from cellway.console.cases.views import CASE_PANELS
    from cellway.console.panels import CasePage

    case = case_at(Stage.IN_TREATMENT)
    for n in range(6):
        treatment.log_session(case=case, by=staff["nina"], kind="physio", day=clinic_today(), given=f"Physiotherapy {n}")
    for who in ("sofia", "liam", "fiona", "nina"):
        user = staff[who]
        request = rf.get("/")
        request.user = user
        page = CasePage(request=request, user=user, case=case)
        user.get_all_permissions()  # the request's permissions are read once, before any panel
        for source in CASE_PANELS:
            with CaptureQueriesContext(connection) as ctx:
                source(page)
            assert len(ctx.captured_queries) <= 4, (who, source.__module__, source.__name__, [q["sql"] for q in ctx.captured_queries])


def test_the_case_list_costs_the_same_for_one_page_of_cases_or_another(client, staff, case_at):
    client.force_login(staff["carla"])
    case_at(Stage.INQUIRY)
    one = count_queries(client, reverse("console:cases"))
    for _ in range(4):
        case_at(Stage.TRIAGE)
    assert count_queries(client, reverse("console:cases")) == one
