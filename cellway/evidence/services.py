"""Every write about the evidence library and condition pages, each with the check the admin also asks.

The rule (DESIGN.md rule 12): a claim on a published page rests on at least
one reference, and every reference it cites has a verified bibliographic
record (``bibliography.record_problems``); it reads in every language of the
site. ``check_publish`` names each claim that breaks it; nothing is written
then. What is published is frozen (``PublishedPage``); if a cited record later
loses its verification, the live pages citing it are withdrawn, on the trail.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from modeltranslation.utils import build_localized_fieldname

from cellway.audit.services import audit_record
from cellway.errors import NotAllowed, Refusal
from cellway.evidence import bibliography
from cellway.evidence.models import (
    Claim,
    ConditionPage,
    EvidenceKind,
    PageStatus,
    PublishedPage,
    Reference,
)

PUBLISH = "evidence.publish_page"
EDIT_REFERENCES = "evidence.change_reference"
ORDINALS = {1: "1st", 2: "2nd", 3: "3rd"}


def languages() -> list[str]:
    return [code for code, _ in settings.LANGUAGES]


def _in(obj: Any, field: str, language: str) -> str:
    return str(getattr(obj, build_localized_fieldname(field, language)) or "").strip()


def _claim_name(claim: Claim, n: int) -> str:
    text = _in(claim, "text", settings.LANGUAGE_CODE) or claim.text or ""
    short = text if len(text) <= 60 else text[:57] + "…"
    heading = _in(claim.section, "heading", settings.LANGUAGE_CODE)
    return f'Claim "{short}" ({heading}, {ORDINALS.get(n, f"{n}th")})'


def _shown_claims(page: ConditionPage) -> list[tuple[int, Claim]]:
    """The claims to publish in reading order, each with its place in its section (held-back ones counted too)."""
    shown = []
    for section in page.sections.all():
        for n, claim in enumerate(section.claims.all(), start=1):
            if not claim.held_back:
                shown.append((n, claim))
    return shown


def publish_problems(page: ConditionPage) -> list[str]:
    """Every reason the page cannot be published as it stands, each naming what to fix."""
    page = ConditionPage.objects.prefetch_related("sections__claims__citations__reference").get(pk=page.pk)
    names = dict(settings.LANGUAGES)
    problems = [f"The title has no {names[lang]} text." for lang in languages() if not _in(page, "title", lang)]
    shown = _shown_claims(page)
    if not shown:
        problems.append("The page has no claim to publish.")
    for n, claim in shown:
        name = _claim_name(claim, n)
        references = [c.reference for c in claim.citations.all()]
        if not references:
            problems.append(f"{name} has no reference.")
        for reference in references:
            gaps = reference.problems
            if gaps:
                problems.append(f"{name} cites {reference.key}, whose record is not verified ({', '.join(gaps)}).")
        for lang in languages():
            if not _in(claim, "text", lang):
                problems.append(f"{name} has no {names[lang]} text.")
        for section_lang in languages():
            if not _in(claim.section, "heading", section_lang):
                heading = _in(claim.section, "heading", settings.LANGUAGE_CODE)
                problems.append(f'The section "{heading}" has no {names[section_lang]} heading.')
    return list(dict.fromkeys(problems))


def check_publish(*, page: ConditionPage, by: Any) -> None:
    if not by.has_perm(PUBLISH):
        raise NotAllowed("Only the clinic administrator publishes condition pages.")
    problems = publish_problems(page)
    if problems:
        raise Refusal("The page cannot be published: " + " ".join(problems))


def build_content(page: ConditionPage) -> dict[str, Any]:
    """What visitors read, in every language: claims with citation numbers in order of first appearance."""
    page = ConditionPage.objects.prefetch_related("sections__claims__citations__reference").get(pk=page.pk)
    sections = []
    cited: list[list[Reference]] = []
    for section in page.sections.all():
        claims = [c for c in section.claims.all() if not c.held_back]
        if not claims:
            continue
        sections.append((section, claims))
        cited += [[c.reference for c in claim.citations.all()] for claim in claims]
    numbers, order = bibliography.number_citations([[r.key for r in refs] for refs in cited])
    by_key = {r.key: r for refs in cited for r in refs}
    numbered = iter(zip(numbers, cited, strict=True))
    content_sections = []
    for section, claims in sections:
        content_claims = []
        for claim in claims:
            claim_numbers, refs = next(numbered)
            content_claims.append(
                {
                    "text": {lang: _in(claim, "text", lang) for lang in languages()},
                    "citations": claim_numbers,
                    "kinds": list(dict.fromkeys(r.kind for r in refs)),
                }
            )
        content_sections.append({"heading": {lang: _in(section, "heading", lang) for lang in languages()}, "claims": content_claims})
    return {
        "slug": page.slug,
        "condition": page.condition.code,
        "title": {lang: _in(page, "title", lang) for lang in languages()},
        "summary": {lang: _in(page, "summary", lang) for lang in languages()},
        "sections": content_sections,
        "references": [
            {"number": n, "key": key, "citation": by_key[key].citation, "kind": by_key[key].kind} for n, key in enumerate(order, start=1)
        ],
    }


def publish(*, page: ConditionPage, by: Any) -> PublishedPage:
    """Publish the page as it stands now (checked), replacing what visitors read."""
    with transaction.atomic():
        page = ConditionPage.objects.select_for_update().get(pk=page.pk)
        check_publish(page=page, by=by)
        content = build_content(page)
        # What visitors read until now stops being live: one live publication per page.
        PublishedPage.objects.filter(page=page, withdrawn_at__isnull=True).update(withdrawn_at=timezone.now())
        publication = PublishedPage.objects.create(page=page, published_by=by, content=content)
        ConditionPage.objects.filter(pk=page.pk).update(status=PageStatus.PUBLISHED)
        audit_record(
            actor=by,
            action="page.published",
            target=page.slug,
            data={"publication": publication.pk, "references": [r["key"] for r in content["references"]]},
        )
    return publication


def check_withdraw(*, page: ConditionPage, by: Any) -> None:
    if not by.has_perm(PUBLISH):
        raise NotAllowed("Only the clinic administrator withdraws condition pages.")
    if not PublishedPage.objects.filter(page=page, withdrawn_at__isnull=True).exists():
        raise Refusal("The page is not published.")


def withdraw(*, page: ConditionPage, by: Any, reason: str) -> None:
    """Take the page off the site (visitors get 404) until it is published again."""
    with transaction.atomic():
        page = ConditionPage.objects.select_for_update().get(pk=page.pk)
        check_withdraw(page=page, by=by)
        _withdraw(page=page, by=by, reason=reason)


def _withdraw(*, page: ConditionPage, by: Any, reason: str) -> None:
    PublishedPage.objects.filter(page=page, withdrawn_at__isnull=True).update(withdrawn_at=timezone.now())
    ConditionPage.objects.filter(pk=page.pk).update(status=PageStatus.DRAFT)
    audit_record(actor=by, action="page.withdrawn", target=page.slug, reason=reason)


def check_record_reference(*, by: Any) -> None:
    if not by.has_perm(EDIT_REFERENCES):
        raise NotAllowed("Only the clinic administrator keeps the evidence library.")


def record_reference(*, key: str, csl: Mapping[str, Any], kind: EvidenceKind | str, note: str = "", by: Any) -> Reference:
    """Enter or correct a reference's record. If it is no longer verified, every live page citing it is
    withdrawn (a published page never cites an unverified record), and the trail says why."""
    if not isinstance(csl, Mapping) or not key:
        raise Refusal("A reference needs a key and a CSL-JSON record.")
    if kind not in EvidenceKind.values:
        raise Refusal(f"Unknown kind of evidence: {kind!r}.")
    with transaction.atomic():
        check_record_reference(by=by)
        reference, created = Reference.objects.select_for_update().get_or_create(
            key=key, defaults={"csl": dict(csl), "kind": kind, "note": note}
        )
        if not created:
            reference.csl, reference.kind, reference.note = dict(csl), kind, note
            reference.save(update_fields=["csl", "kind", "note", "updated_at"])
        problems = reference.problems
        audit_record(
            actor=by,
            action="reference.recorded",
            target=key,
            data={"verified": not problems, "problems": problems, "kind": str(kind)},
        )
        if problems:
            for page in _live_pages_citing(reference):
                _withdraw(page=page, by=by, reason=f"{key} is no longer verified ({', '.join(problems)}).")
    return reference


def _live_pages_citing(reference: Reference) -> Iterable[ConditionPage]:
    live = PublishedPage.objects.filter(withdrawn_at__isnull=True).select_related("page")
    return [p.page for p in live if any(r["key"] == reference.key for r in p.content["references"])]
