"""The MS page's own figures (from the outcomes registry, withheld below the minimum cohort, with intervals and a
link to the methods), the program and package tiers (from the price list's package definitions) and "how we
proceed" (from the rule settings): nothing typed twice, so the site never disagrees with the clinic."""

from __future__ import annotations

import html as html_module
import re
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import translation

from cellway.billing.pricing import package_contents
from cellway.cases.models import Condition
from cellway.cases.stages import Stage
from cellway.clinic import clinic_today
from cellway.demo.site import load_ms_page, load_references
from cellway.outcomes import cohort
from cellway.site.clinic import FIGURE_NAMES, FIGURE_NOTES, PACKAGE_ITEMS, SINCE
from cellway.site.tests.own_host import foreign_references
from cellway.treatment import services as treatment

pytestmark = pytest.mark.django_db

MS = "/{}/conditions/multiple-sclerosis/"
SAFETY_LABELS = (
    "Any adverse event",
    "Adverse event of grade 3 or higher (CTCAE)",
    "Serious adverse event (ICH E2A)",
    "Adverse event related to the cells or the procedure",
)


@pytest.fixture
def ms_page(staff: dict[str, Any]) -> None:
    load_references(staff["adam"])
    load_ms_page(staff["adam"])


def figures_table(html: str) -> str:
    return html[html.index('<table class="figures">') : html.index("</table>")]


def test_every_figure_of_the_registry_has_words_on_the_site(db: None) -> None:
    report = cohort.report(condition=Condition.objects.get(code="ms"), start=SINCE, end=clinic_today(), today=clinic_today())
    assert {f.label for f in report.figures} <= set(FIGURE_NAMES)
    assert {f.note for f in report.figures if f.note} <= set(FIGURE_NOTES)


def test_below_the_minimum_cohort_the_figures_are_withheld(client: Client, ms_page: None, case_at: Any) -> None:
    case_at(Stage.FOLLOW_UP)
    html = client.get(MS.format("en")).content.decode()
    table = figures_table(html)
    assert table.count("withheld: too few patients") == table.count("<tr>") - 1  # every row but the header
    assert "%" not in table.split("</thead>")[1]  # no share shown anywhere
    assert "fewer than 10 patients treated with this condition so far" in html  # not even the count


@override_settings(OUTCOMES_MIN_COHORT=2)
def test_the_figures_are_the_registrys_with_their_intervals(client: Client, ms_page: None, case_at: Any) -> None:
    for _ in range(3):
        case_at(Stage.FOLLOW_UP)
    report = cohort.report(condition=Condition.objects.get(code="ms"), start=SINCE, end=clinic_today(), today=clinic_today())
    lost = next(f for f in report.figures if f.label == "Lost to follow-up")
    assert lost.shown and lost.proportion is not None
    html = client.get(MS.format("en")).content.decode()
    table = figures_table(html)
    assert re.search(r"Patients treated</th>\s*<td>3</td>", table)
    p = lost.proportion
    share = f'{round(100 * p.share)}% <span class="kind">({p.k}/{p.n})</span></td>'
    expected = share + f'<td><span dir="ltr">{round(100 * p.low)}–{round(100 * p.high)}%</span>'
    assert expected in table
    assert 'href="/en/outcomes/methods/"' in html


def test_the_figures_are_not_computed_again_for_every_visitor(client: Client, ms_page: None, django_assert_max_num_queries: Any) -> None:
    client.get(MS.format("en"))
    with django_assert_max_num_queries(2):
        client.get(MS.format("zh-hans"))


@override_settings(OUTCOMES_MIN_COHORT=3)
@pytest.mark.parametrize("language", ["en", "zh-hans", "ar"])
def test_the_safety_figures_are_the_registrys_beside_the_others(
    client: Client, ms_page: None, case_at: Any, staff: dict[str, Any], language: str
) -> None:
    cases = [case_at(Stage.FOLLOW_UP) for _ in range(3)]
    treatment.record_adverse_event(
        case=cases[0], by=staff["nina"], onset_on=clinic_today(), term="Aseptic meningitis", description="Fever, neck stiffness.",
        grade=3, serious_criteria=["hospitalisation"], related_to_cells="unlikely", related_to_procedure="probable",
        action="hospitalised", outcome="recovering",
    )  # fmt: skip
    table = figures_table(client.get(MS.format(language)).content.decode())
    # One of three patients in each safety figure: 33 %, Wilson 95 % 6-79 %.
    with translation.override(language):
        names = [str(FIGURE_NAMES[label]) for label in SAFETY_LABELS]
    for name in names:
        row = table[table.index(html_module.escape(name)) :].split("</tr>")[0]
        assert '33% <span class="kind">(1/3)</span></td><td><span dir="ltr">6–79%</span>' in row, name
    assert table.index(html_module.escape(str(FIGURE_NAMES["No new MRI activity"]))) < table.index(html_module.escape(names[0]))


def test_the_figures_cost_the_same_to_compute_for_one_patient_with_events_or_many(
    client: Client, ms_page: None, case_at: Any, staff: dict[str, Any]
) -> None:
    def queries() -> int:
        cache.clear()
        with CaptureQueriesContext(connection) as ctx:
            client.get(MS.format("en"))
        return len(ctx.captured_queries)

    event: dict[str, Any] = {"onset_on": clinic_today(), "term": "Headache", "description": "After the session.", "grade": 2,
             "serious_criteria": [], "related_to_cells": "possible", "related_to_procedure": "unlikely", "action": "none",
             "outcome": "recovering"}  # fmt: skip
    treatment.record_adverse_event(case=case_at(Stage.FOLLOW_UP), by=staff["nina"], **event)
    one = queries()
    for _ in range(2):
        treatment.record_adverse_event(case=case_at(Stage.FOLLOW_UP), by=staff["nina"], **event)
    assert queries() == one


def test_the_packages_are_the_price_lists(client: Client, ms_page: None) -> None:
    html = client.get(MS.format("en")).content.decode()
    for tier in ("inclusive", "essential"):
        section = html[html.index(f'id="tier-{tier}"') :].split("</section>")[0]
        shown = [html_module.unescape(item) for item in re.findall(r"<li>([^<]+)</li>", section)]
        assert shown == [str(PACKAGE_ITEMS[code]) for code in package_contents(tier)]
    essential = html[html.index('id="tier-essential"') :].split("</section>")[0]
    assert "Airport transfer" not in essential and "Accommodation" not in essential


def test_every_package_line_has_words_on_the_site() -> None:
    assert set(package_contents("inclusive")) == set(PACKAGE_ITEMS)


def test_how_we_proceed_states_the_clinics_own_rules(client: Client) -> None:
    html = client.get("/en/how-we-proceed/").content.decode()
    assert "at most 3 months before your first day of therapy" in html
    assert "A deposit of 30% of the quote is due 7 days before you arrive" in html
    assert "The rest is due 1 day before your first day of therapy." in html
    with override_settings(SCREENING_MAX_AGE_MONTHS=2, DEPOSIT_DAYS_BEFORE_ARRIVAL=10, BALANCE_DAYS_BEFORE_THERAPY=2):
        html = client.get("/en/how-we-proceed/").content.decode()
    assert "at most 2 months" in html and "due 10 days before you arrive" in html and "The rest is due 2 days before" in html


@pytest.mark.parametrize("language", ["zh-hans", "ar"])
def test_the_new_pages_read_in_each_language(client: Client, ms_page: None, language: str) -> None:
    for url in (f"/{language}/how-we-proceed/", f"/{language}/outcomes/methods/", MS.format(language)):
        html = client.get(url).content.decode()
        assert foreign_references(html) == []
        for english in ("How we proceed", "What happened to our own patients", "How these figures are counted", "Inclusive"):
            assert english not in html, (url, english)


def test_the_clinics_address_shows_visitors_the_public_site_and_staff_their_console(client: Any, staff: dict[str, Any]) -> None:
    visitor = client.get("/")
    assert visitor.status_code == 302 and visitor["Location"] == "/welcome/"
    client.force_login(staff["carla"])
    assert client.get("/").status_code == 200
