"""The MS page as visitors read it: numbered citations in order of first appearance, the kind of evidence beside
each claim, the reference list, in each language; nothing shown that was not published."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from cellway.demo.site import load_ms_page, load_references
from cellway.evidence import services
from cellway.site.tests.own_host import foreign_references

pytestmark = pytest.mark.django_db

URL = "/{}/conditions/multiple-sclerosis/"


@pytest.fixture
def ms_page(staff: dict[str, Any]) -> Any:
    load_references(staff["adam"])
    page, _ = load_ms_page(staff["adam"])
    return page


def test_claims_carry_numbered_citations_and_the_kind_of_evidence(client: Client, ms_page: Any) -> None:
    html = client.get(URL.format("en")).content.decode()
    marks = re.findall(r'<a href="#ref-(\d+)"', html)
    assert marks == ["1", "2", "3", "4", "5", "6"]  # first appearance, across sections
    assert "No patient was treated in this study." in html
    claim = html[html.index("restored the suppressive function") :]
    assert claim.index("laboratory study (in vitro), no patients") < claim.index("</p>")
    assert "case report (one patient)" in html


def test_the_reference_list_follows_the_numbers(client: Client, ms_page: Any) -> None:
    html = client.get(URL.format("en")).content.decode()
    references = re.findall(r'<li id="ref-(\d+)"><span lang="en" dir="ltr">([^<]+)</span>', html)
    assert [n for n, _ in references] == ["1", "2", "3", "4", "5", "6"]
    assert references[1][1].startswith("Uccelli A, Moretta L, Pistoia V. Mesenchymal stem cells in health and disease.")
    assert references[2][1].startswith("Yang H, Sun J, Wang F, Li Y, Bi J, Qu T.")


def test_claims_resting_on_unverified_records_are_not_shown(client: Client, ms_page: Any) -> None:
    html = client.get(URL.format("en")).content.decode()
    for held_back in ("55-year-old", "Eight patients", "144 patients", "steroids alone", "settle in the brain"):
        assert held_back not in html


@pytest.mark.parametrize(
    ("language", "words", "kind"), [("zh-hans", "该研究没有治疗任何患者", "实验室研究"), ("ar", "لم يُعالَج أي مريض", "دراسة مخبرية")]
)
def test_the_page_reads_in_each_language(client: Client, ms_page: Any, language: str, words: str, kind: str) -> None:
    response = client.get(URL.format(language))
    html = response.content.decode()
    assert response.status_code == 200 and words in html and kind in html
    assert "No patient was treated" not in html
    assert re.findall(r'<a href="#ref-(\d+)"', html) == ["1", "2", "3", "4", "5", "6"]
    assert foreign_references(html) == []


def test_an_unpublished_or_withdrawn_page_is_not_found(client: Client, ms_page: Any, staff: dict[str, Any]) -> None:
    assert client.get("/en/conditions/no-such-condition/").status_code == 404
    services.withdraw(page=ms_page, by=staff["adam"], reason="review")
    assert client.get(URL.format("en")).status_code == 404


def test_the_page_is_read_in_two_queries_whatever_its_length(client: Client, ms_page: Any) -> None:
    client.get(URL.format("en"))  # warm the session-free path
    with CaptureQueriesContext(connection) as queries:
        assert client.get(URL.format("ar")).status_code == 200
    assert len(queries) <= 2, [q["sql"] for q in queries]
