"""The bibliography engine: what makes a record verified, the NLM-style reference, numbering by first appearance."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cellway.evidence.bibliography import (
    FieldStatus,
    field_status,
    format_reference,
    is_verified,
    number_citations,
    record_problems,
)

DATA = Path(__file__).resolve().parents[1] / "data" / "ms-references.json"


def bibliography() -> dict[str, dict[str, Any]]:
    return {item["id"]: item for item in json.loads(DATA.read_text(encoding="utf-8"))}


def verified_item(**changes: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": "x",
        "title": "A study",
        "author": [{"family": "Doe", "given": "Jane Ann"}],
        "container-title": "Journal",
        "issued": {"date-parts": [[2020]]},
        "DOI": "10.1/x",
        "custom": {"field_status": dict.fromkeys(("title", "author", "container-title", "issued", "DOI"), "VERIFIED")},
    }
    item.update(changes)
    return item


def test_the_ms_bibliography_verifies_only_the_complete_records() -> None:
    verified = {key for key, item in bibliography().items() if is_verified(item)}
    assert verified == {
        "hou2013cellAdhMigr",
        "yang2016oncotarget",
        "riordan2018jTranslMed",
        "dominici2006cytotherapy",
        "uccelli2008natRevImmunol",
        "lalu2012plosone",
    }


def test_the_unresolved_case_report_has_every_gap_named() -> None:
    problems = record_problems(bibliography()["seed49-unresolved"])
    assert problems == ["title missing", "authors missing", "journal missing", "year missing", "no verified DOI or PMID"]


@pytest.mark.parametrize(
    ("key", "problem"),
    [
        ("lu2013jStemCellResTher", "volume not verified"),  # "S6:002" read as a volume
        ("li2014cellTransplant", "authors missing"),
        ("meng2018amJTranslRes", "title missing"),
        ("mesems2021lancetNeurol", "no verified DOI or PMID"),
        ("scrt2012_3_3", "authors missing"),
        ("msct2010multScler", "journal not verified"),
    ],
)
def test_each_incomplete_record_says_why(key: str, problem: str) -> None:
    assert problem in record_problems(bibliography()[key])


def test_a_status_said_of_a_missing_value_counts_as_empty() -> None:
    # riordan2018: issue "UNSURE (... not set)" with no issue in the record.
    item = bibliography()["riordan2018jTranslMed"]
    assert "issue" not in item and field_status(item, "issue") is FieldStatus.EMPTY


def test_a_value_nobody_vouched_for_is_unsure() -> None:
    item = verified_item(volume="7")
    assert field_status(item, "volume") is FieldStatus.UNSURE
    assert record_problems(item) == ["volume not verified"]


def test_a_record_without_doi_or_pmid_cannot_be_found_again() -> None:
    item = verified_item(DOI="")
    assert record_problems(item) == ["no verified DOI or PMID"]
    item["PMID"] = "123"
    item["custom"]["field_status"]["PMID"] = "VERIFIED (PubMed)"
    assert is_verified(item)


def test_an_unsure_identifying_field_is_named() -> None:
    item = verified_item()
    item["custom"]["field_status"]["author"] = "UNSURE (initials only)"
    assert record_problems(item) == ["authors not verified"]


def test_references_are_written_in_nlm_style() -> None:
    assert format_reference(bibliography()["uccelli2008natRevImmunol"]) == (
        "Uccelli A, Moretta L, Pistoia V. Mesenchymal stem cells in health and disease. "
        "Nature Reviews Immunology. 2008;8(9):726-736. doi:10.1038/nri2395. PMID: 19172693."
    )


def test_more_than_six_authors_end_in_et_al_and_nothing_is_invented() -> None:
    text = format_reference(bibliography()["hou2013cellAdhMigr"])
    assert text.count(",") >= 6 and ", et al. Transplantation of umbilical cord" in text
    assert format_reference(bibliography()["seed49-unresolved"]) == ""
    assert format_reference(
        verified_item(author=[{"family": "Le Blanc", "given": "Katarina"}, {"literal": "MSCT Study Group"}])
    ).startswith("Le Blanc K, MSCT Study Group. A study. Journal. 2020. doi:10.1/x.")


def test_citations_are_numbered_in_order_of_first_appearance() -> None:
    numbers, order = number_citations([["b", "a"], ["c"], ["a", "c", "d"], []])
    assert order == ["b", "a", "c", "d"]
    assert numbers == [[1, 2], [3], [2, 3, 4], []]


def test_a_reference_cited_twice_in_one_claim_has_one_number() -> None:
    numbers, order = number_citations([["a", "a"]])
    assert numbers == [[1]] and order == ["a"]


def test_a_doubtful_doi_beside_a_verified_pmid_is_named() -> None:
    item = verified_item(PMID="123")
    item["custom"]["field_status"] |= {"PMID": "VERIFIED", "DOI": "UNSURE (resolves elsewhere)"}
    assert record_problems(item) == ["DOI not verified"]
