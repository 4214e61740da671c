"""A condition's eBook: the page as it is published now, in the reader's language, as a PDF (WeasyPrint).

Rendered from the live publication (cellway.evidence), so the eBook never says more than the page: the same
claims, the same numbered references, the same kinds of evidence. Kept in the cache per publication and
language; a new publication is a new key.
"""

from __future__ import annotations

from django.core.cache import cache
from django.utils import timezone, translation

from cellway.clinic import public_url
from cellway.evidence.models import EvidenceKind, PublishedPage
from cellway.pdf import render_pdf

CACHE_SECONDS = 24 * 3600


def ebook_pdf(publication: PublishedPage, language: str) -> bytes:
    key = f"newsletter:ebook:{publication.pk}:{language}"
    pdf = cache.get(key)
    if pdf is None:
        pdf = _render(publication, language)
        cache.set(key, pdf, CACHE_SECONDS)
    return bytes(pdf)


def _render(publication: PublishedPage, language: str) -> bytes:
    content = publication.content

    def local(text: dict[str, str]) -> str:
        return text.get(language) or text["en"]

    with translation.override(language):
        from django.urls import reverse

        sections = [
            {
                "heading": local(s["heading"]),
                "claims": [
                    {"text": local(c["text"]), "citations": c["citations"], "kinds": [str(EvidenceKind(k).label) for k in c["kinds"]]}
                    for c in s["claims"]
                ],
            }
            for s in content["sections"]
        ]
        return render_pdf(
            "newsletter/ebook.html",
            {
                "language": language,
                "rtl": translation.get_language_bidi(),
                "title": local(content["title"]),
                "summary": local(content["summary"]),
                "sections": sections,
                "references": [{**r, "kind": str(EvidenceKind(r["kind"]).label)} for r in content["references"]],
                "published_at": publication.published_at,
                "rendered_at": timezone.now(),
                "page_url": public_url(reverse("site:condition", args=[content["slug"]])),
            },
        )
