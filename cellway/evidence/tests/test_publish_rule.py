"""The publish rule (DESIGN.md rule 12), tried from every side: a claim without a reference, an unverified
reference, a missing translation, someone without the right, a record that loses its verification later."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from cellway.audit.models import AuditEvent
from cellway.cases.models import Condition
from cellway.demo.site import load_ms_page, load_references
from cellway.errors import NotAllowed, Refusal
from cellway.evidence import services
from cellway.evidence.models import Citation, Claim, ConditionPage, PageStatus, PublishedPage, Reference, Section
from cellway.evidence.selectors import live_page

pytestmark = pytest.mark.django_db

VERIFIED = {
    "id": "doe2020",
    "title": "A verified study",
    "author": [{"family": "Doe", "given": "Jane"}],
    "container-title": "Journal",
    "issued": {"date-parts": [[2020]]},
    "DOI": "10.1/doe",
    "custom": {"field_status": dict.fromkeys(("title", "author", "container-title", "issued", "DOI"), "VERIFIED")},
}


def text(obj: Any, field: str, value: str) -> None:
    for lang in ("en", "zh_hans", "ar"):
        setattr(obj, f"{field}_{lang}", f"{value} ({lang})")


@pytest.fixture
def adam(staff: dict[str, Any]) -> Any:
    return staff["adam"]


@pytest.fixture
def page(adam: Any) -> ConditionPage:
    """A draft page with one section and one claim citing a verified reference: publishable."""
    reference = services.record_reference(key="doe2020", csl=VERIFIED, kind="case_series", by=adam)
    page = ConditionPage(condition=Condition.objects.get(code="ms"), slug="ms")
    text(page, "title", "MS")
    page.save()
    section = Section(page=page, position=0)
    text(section, "heading", "Evidence")
    section.save()
    claim = Claim(section=section, position=0)
    text(claim, "text", "Cells were given to ten patients")
    claim.save()
    Citation.objects.create(claim=claim, reference=reference)
    return page


def add_claim(page: ConditionPage, words: str, *keys: str, translated: bool = True) -> Claim:
    section = page.sections.get()
    claim = Claim(section=section, position=section.claims.count())
    if translated:
        text(claim, "text", words)
    else:
        claim.text_en = words
    claim.save()
    for n, key in enumerate(keys):
        Citation.objects.create(claim=claim, reference=Reference.objects.get(key=key), position=n)
    return claim


def test_a_page_whose_claims_are_referenced_and_verified_is_published(page: ConditionPage, adam: Any) -> None:
    publication = services.publish(page=page, by=adam)
    assert live_page("ms") == publication
    page.refresh_from_db()
    assert page.status == PageStatus.PUBLISHED
    assert publication.content["references"][0]["citation"].startswith("Doe J. A verified study. Journal. 2020.")
    event = AuditEvent.objects.get(action="page.published")
    assert event.actor == adam and event.target == "ms" and event.data["references"] == ["doe2020"]


def test_a_claim_without_a_reference_is_refused_at_publish_with_the_claim_named(page: ConditionPage, adam: Any) -> None:
    add_claim(page, "Most patients walk better afterwards")
    with pytest.raises(Refusal, match=r'Claim "Most patients walk better afterwards \(en\)" \(Evidence \(en\), 2nd\) has no reference\.'):
        services.publish(page=page, by=adam)
    assert not PublishedPage.objects.exists() and live_page("ms") is None
    assert not AuditEvent.objects.filter(action="page.published").exists()


def test_an_unverified_reference_cannot_be_cited_on_a_published_page(page: ConditionPage, adam: Any) -> None:
    doubtful = copy.deepcopy(VERIFIED) | {"id": "roe2019"}
    doubtful["custom"]["field_status"]["author"] = "UNSURE (initials only)"
    services.record_reference(key="roe2019", csl=doubtful, kind="case_report", by=adam)
    add_claim(page, "One patient improved", "doe2020", "roe2019")
    with pytest.raises(Refusal, match=r"cites roe2019, whose record is not verified \(authors not verified\)"):
        services.publish(page=page, by=adam)
    assert live_page("ms") is None


def test_the_unresolved_case_report_cannot_be_published_with_its_claim(page: ConditionPage, adam: Any) -> None:
    load_references(adam)
    claim = add_claim(page, "A woman with PPMS improved", "seed49-unresolved")
    with pytest.raises(Refusal) as refused:
        services.publish(page=page, by=adam)
    assert "cites seed49-unresolved, whose record is not verified (title missing, authors missing" in refused.value.message
    # Held back, the rest of the page is published without it.
    claim.held_back = True
    claim.save()
    publication = services.publish(page=page, by=adam)
    assert [r["key"] for r in publication.content["references"]] == ["doe2020"]
    assert "PPMS" not in str(publication.content)


def test_every_claim_reads_in_every_language(page: ConditionPage, adam: Any) -> None:
    add_claim(page, "Untranslated", "doe2020", translated=False)
    with pytest.raises(Refusal) as refused:
        services.publish(page=page, by=adam)
    assert 'Claim "Untranslated" (Evidence (en), 2nd) has no Simplified Chinese text.' in refused.value.message
    assert "has no Arabic text." in refused.value.message


def test_every_problem_is_named_at_once(page: ConditionPage, adam: Any) -> None:
    add_claim(page, "First unreferenced")
    add_claim(page, "Second unreferenced")
    problems = services.publish_problems(page)
    assert len(problems) == 2 and "2nd" in problems[0] and "3rd" in problems[1]


def test_a_page_with_nothing_to_publish_is_refused(page: ConditionPage, adam: Any) -> None:
    Claim.objects.update(held_back=True)
    with pytest.raises(Refusal, match="no claim to publish"):
        services.publish(page=page, by=adam)


def test_only_the_administrator_publishes(page: ConditionPage, staff: dict[str, Any]) -> None:
    for name in ("sofia", "carla", "liam"):
        with pytest.raises(NotAllowed):
            services.publish(page=page, by=staff[name])
    assert not PublishedPage.objects.exists()


def test_only_the_administrator_keeps_the_evidence_library(staff: dict[str, Any]) -> None:
    with pytest.raises(NotAllowed):
        services.record_reference(key="x", csl=VERIFIED, kind="case_report", by=staff["sofia"])
    with pytest.raises(Refusal, match="Unknown kind of evidence"):
        services.record_reference(key="x", csl=VERIFIED, kind="anecdote", by=staff["adam"])
    assert not Reference.objects.exists()


def test_edits_after_publishing_change_nothing_public_until_published_again(page: ConditionPage, adam: Any) -> None:
    services.publish(page=page, by=adam)
    add_claim(page, "Unreferenced afterthought")
    assert "afterthought" not in str(live_page("ms").content)  # type: ignore[union-attr]
    with pytest.raises(Refusal):
        services.publish(page=page, by=adam)
    assert PublishedPage.objects.count() == 1 and live_page("ms") is not None


def test_a_record_that_loses_its_verification_takes_the_pages_citing_it_off_the_site(page: ConditionPage, adam: Any) -> None:
    services.publish(page=page, by=adam)
    doubted = copy.deepcopy(VERIFIED)
    doubted["custom"]["field_status"]["DOI"] = "UNSURE (the DOI resolves to another article)"
    services.record_reference(key="doe2020", csl=doubted, kind="case_series", by=adam)
    assert live_page("ms") is None
    page.refresh_from_db()
    assert page.status == PageStatus.DRAFT
    withdrawn = AuditEvent.objects.get(action="page.withdrawn")
    assert "doe2020 is no longer verified (no verified DOI or PMID)" in withdrawn.reason


def test_republishing_replaces_what_visitors_read(page: ConditionPage, adam: Any) -> None:
    first = services.publish(page=page, by=adam)
    second = services.publish(page=page, by=adam)
    first.refresh_from_db()
    assert first.withdrawn_at is not None and live_page("ms") == second


def test_withdrawing_takes_the_page_off_and_a_second_withdrawal_is_refused(page: ConditionPage, adam: Any) -> None:
    services.publish(page=page, by=adam)
    services.withdraw(page=page, by=adam, reason="under review")
    assert live_page("ms") is None
    with pytest.raises(Refusal, match="not published"):
        services.withdraw(page=page, by=adam, reason="again")


def test_citations_are_numbered_across_sections_in_order_of_first_appearance(adam: Any) -> None:
    load_references(adam)
    page, held = load_ms_page(adam)
    content = live_page("multiple-sclerosis").content  # type: ignore[union-attr]
    assert held == 7
    keys = [r["key"] for r in content["references"]]
    assert keys == [
        "dominici2006cytotherapy",
        "uccelli2008natRevImmunol",
        "yang2016oncotarget",
        "riordan2018jTranslMed",
        "lalu2012plosone",
        "hou2013cellAdhMigr",
    ]
    numbers = [c["citations"] for s in content["sections"] for c in s["claims"]]
    assert numbers == [[1], [2], [3], [4], [5], [6]]
    kinds = [c["kinds"] for s in content["sections"] for c in s["claims"]]
    assert kinds[2] == ["in_vitro"] and kinds[-1] == ["case_report"]
