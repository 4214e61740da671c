"""Bibliographic records (CSL-JSON items) and the citations of a page: pure functions, no Django.

An item is a CSL-JSON mapping (``title``, ``author``, ``container-title``,
``issued``, ``volume``, ``issue``, ``page``, ``DOI``, ``PMID``) whose
``custom.field_status`` says, field by field, whether the value was seen in a
source: ``VERIFIED``, ``UNSURE`` or ``EMPTY`` (each may carry a note in
brackets). A record is *verified* when nothing in it is in doubt and it can be
found again:

* title, authors, journal and year are each VERIFIED;
* a DOI or a PMID is VERIFIED (so a reader can find the very article);
* no field that holds a value is UNSURE.

Volume, issue and pages may be missing (online journals number articles).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from enum import StrEnum
from typing import Any, TypeVar

K = TypeVar("K", bound=Hashable)

IDENTIFYING = ("title", "author", "container-title", "issued")
FINDABLE = ("DOI", "PMID")
BIBLIOGRAPHIC = (*IDENTIFYING, "volume", "issue", "page", *FINDABLE)
MOST_AUTHORS = 6  # NLM: the first six, then "et al."


class FieldStatus(StrEnum):
    VERIFIED = "VERIFIED"
    UNSURE = "UNSURE"
    EMPTY = "EMPTY"


FIELD_NAMES = {
    "title": "title",
    "author": "authors",
    "container-title": "journal",
    "issued": "year",
    "volume": "volume",
    "issue": "issue",
    "page": "pages",
    "DOI": "DOI",
    "PMID": "PMID",
}


def has_value(item: Mapping[str, Any], field: str) -> bool:
    value = item.get(field)
    if field == "issued":
        return bool(year(item))
    return bool(value) and (not isinstance(value, str) or bool(value.strip()))


def field_status(item: Mapping[str, Any], field: str) -> FieldStatus:
    """What the record says of `field`; a field without a value is EMPTY whatever is written of it."""
    if not has_value(item, field):
        return FieldStatus.EMPTY
    said = str(item.get("custom", {}).get("field_status", {}).get(field, "")).strip().upper()
    for status in FieldStatus:
        if said.startswith(status.value):
            return status
    return FieldStatus.UNSURE  # a value nobody vouched for


def record_problems(item: Mapping[str, Any]) -> list[str]:
    """Why the record is not verified, in words an editor acts on; empty when it is."""
    problems = []
    for field in IDENTIFYING:
        status = field_status(item, field)
        if status is not FieldStatus.VERIFIED:
            problems.append(f"{FIELD_NAMES[field]} {'missing' if status is FieldStatus.EMPTY else 'not verified'}")
    findable = any(field_status(item, f) is FieldStatus.VERIFIED for f in FINDABLE)
    if not findable:
        problems.append("no verified DOI or PMID")
    for field in BIBLIOGRAPHIC:
        if field in IDENTIFYING or (field in FINDABLE and not findable):
            continue  # already said
        if field_status(item, field) is FieldStatus.UNSURE:
            problems.append(f"{FIELD_NAMES[field]} not verified")
    return problems


def is_verified(item: Mapping[str, Any]) -> bool:
    return not record_problems(item)


def year(item: Mapping[str, Any]) -> int | None:
    parts = (item.get("issued") or {}).get("date-parts") or []
    try:
        return int(parts[0][0])
    except (IndexError, TypeError, ValueError):
        return None


def author_name(author: Mapping[str, Any]) -> str:
    """NLM style: family name and initials without stops (``Uccelli A``); a literal name as written."""
    if author.get("literal"):
        return str(author["literal"])
    family = str(author.get("family", "")).strip()
    given = str(author.get("given", "")).strip()
    initials = "".join(part[0].upper() for chunk in given.replace(".", " ").split() for part in chunk.split("-") if part)
    return f"{family} {initials}".strip()


def format_reference(item: Mapping[str, Any]) -> str:
    """One reference in the style of the NLM (Vancouver): what is known, nothing invented.

    ``Uccelli A, Moretta L, Pistoia V. Mesenchymal stem cells in health and disease.
    Nature Reviews Immunology. 2008;8(9):726-736. doi:10.1038/nri2395. PMID: 19172693.``
    """
    parts = []
    authors = [author_name(a) for a in item.get("author") or []]
    if authors:
        shown = authors[:MOST_AUTHORS]
        parts.append(", ".join(shown) + (", et al." if len(authors) > MOST_AUTHORS else "."))
    if has_value(item, "title"):
        parts.append(_stop(str(item["title"]).strip()))
    if has_value(item, "container-title"):
        parts.append(_stop(str(item["container-title"]).strip()))
    where = str(year(item) or "")
    if has_value(item, "volume"):
        where += f";{item['volume']}"
    if has_value(item, "issue"):
        where += f"({item['issue']})"
    if has_value(item, "page"):
        where += f":{item['page']}"
    if where:
        parts.append(where + ".")
    if has_value(item, "DOI"):
        parts.append(f"doi:{item['DOI']}.")
    if has_value(item, "PMID"):
        parts.append(f"PMID: {item['PMID']}.")
    return " ".join(parts)


def _stop(text: str) -> str:
    return text if text.endswith((".", "?", "!")) else text + "."


def number_citations[K: Hashable](claims: Sequence[Sequence[K]]) -> tuple[list[list[int]], list[K]]:
    """Number the references of a page in order of first appearance.

    `claims` lists, claim by claim in reading order, the references each cites
    (in its own order). Returns the numbers each claim shows (ascending, each
    once) and the references in number order (reference ``n`` at ``[n - 1]``).
    """
    order: list[K] = []
    number: dict[K, int] = {}
    shown = []
    for cited in claims:
        for key in cited:
            if key not in number:
                order.append(key)
                number[key] = len(order)
        shown.append(sorted({number[key] for key in cited}))
    return shown, order
