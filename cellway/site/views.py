"""The public site's pages: thin views over the domains' selectors, in the visitor's language."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.views.defaults import page_not_found

from cellway.cases.services import WebInquiryRefused, check_web_inquiry, receive_web_inquiry
from cellway.errors import Refusal
from cellway.evidence.models import EvidenceKind
from cellway.evidence.selectors import live_page, live_pages
from cellway.records.public import upload_token
from cellway.site.clinic import clinic_outcomes, journey_numbers, packages
from cellway.site.forms import CONSENT_VERSION, HONEYPOT, EbookForm, InquiryForm


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """404: under a language prefix, the public site's page in the visitor's language; else the console's."""
    if translation.get_language_from_path(request.path_info):
        return render(request, "site/404.html", status=404)
    return page_not_found(request, exception or Http404())


def welcome(request: HttpRequest) -> HttpResponse:
    """The site's entry without a language in the address: the visitor's remembered choice, else their browser's."""
    language = translation.get_language_from_request(request)
    with translation.override(language):
        return HttpResponseRedirect(reverse("site:home"))


def home(request: HttpRequest) -> HttpResponse:
    language = translation.get_language()
    conditions = [(p.page.slug, p.content["title"].get(language) or p.content["title"]["en"]) for p in live_pages()]
    return render(request, "site/home.html", {"conditions": conditions})


@dataclass(frozen=True)
class ShownClaim:
    text: str
    citations: list[int]
    kinds: list[Promise]


@dataclass(frozen=True)
class ShownSection:
    heading: str
    claims: list[ShownClaim]


@dataclass(frozen=True)
class ShownReference:
    number: int
    citation: str
    kind: Promise


def condition(request: HttpRequest, slug: str) -> HttpResponse:
    """A condition page as it was published: numbered citations in order of first appearance, the kind of
    evidence beside each claim, the reference list."""
    publication = live_page(slug)
    if publication is None:
        raise Http404("No such page.")
    content: dict[str, Any] = publication.content
    language = translation.get_language()

    def local(text: dict[str, str]) -> str:
        return text.get(language) or text["en"]

    sections = [
        ShownSection(
            heading=local(s["heading"]),
            claims=[ShownClaim(local(c["text"]), c["citations"], [EvidenceKind(k).label for k in c["kinds"]]) for c in s["claims"]],
        )
        for s in content["sections"]
    ]
    references = [ShownReference(r["number"], r["citation"], EvidenceKind(r["kind"]).label) for r in content["references"]]
    return render(
        request,
        "site/condition.html",
        {
            "title": local(content["title"]),
            "summary": local(content["summary"]),
            "sections": sections,
            "references": references,
            "published_at": publication.published_at,
            "outcomes": clinic_outcomes(content["condition"]),
            "packages": packages(),
            "ebook_form": EbookForm(),
            "slug": slug,
        },
    )


def how_we_proceed(request: HttpRequest) -> HttpResponse:
    """The journey in plain words, with the clinic's own rule settings."""
    return render(request, "site/how_we_proceed.html", journey_numbers())


def methods(request: HttpRequest) -> HttpResponse:
    """How the outcome figures are counted (outcomes.cohort's definitions, in the visitor's words)."""
    from cellway.outcomes import conf

    return render(request, "site/methods.html", {"minimum": conf.min_cohort(), "lost_after_days": conf.lost_after_days()})


def _client_address(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR") or "")


REFUSED = {
    "spam": _("Your inquiry looked like it was sent by a program, so it was not sent."),
    "address": _("Too many inquiries have been sent from your connection in the last hour."),
    "email": _("Too many inquiries have been sent with this email address today."),
}


def inquiry(request: HttpRequest) -> HttpResponse:
    """The web inquiry: it opens a case the care team sees at once (cases.services.receive_web_inquiry)."""
    address = _client_address(request)
    form = InquiryForm(request.POST or None)
    if request.method == "POST":
        try:
            check_web_inquiry(address=address, email=str(request.POST.get("email", "")), honeypot=str(request.POST.get(HONEYPOT, "")))
        except WebInquiryRefused as refused:
            return render(request, "site/inquiry_refused.html", {"why": REFUSED[refused.reason]}, status=429)
        if form.is_valid():
            data = form.cleaned_data
            try:
                case = receive_web_inquiry(
                    full_name=data["full_name"],
                    email=data["email"],
                    phone=data["phone"],
                    asker=data["asker"],
                    condition=data["condition"],
                    country=data["country"],
                    language=data["language"],
                    date_of_birth=data["date_of_birth"],
                    message=data["message"],
                    consent_version=CONSENT_VERSION if data["consent"] else "",
                    address=address,
                    site_language=translation.get_language(),
                    honeypot=data[HONEYPOT],
                )
            except WebInquiryRefused as refused:
                return render(request, "site/inquiry_refused.html", {"why": REFUSED[refused.reason]}, status=429)
            except Refusal as refusal:
                form.add_error(None, _("We could not send your inquiry: please check what you wrote.") + " " + refusal.message)
            else:
                # On to the records upload: the same link as in the acknowledgement mail.
                return HttpResponseRedirect(reverse("site:inquiry_records", args=[upload_token(case)]))
    return render(request, "site/inquiry.html", {"form": form}, status=422 if form.is_bound else 200)


def inquiry_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "site/inquiry_sent.html")
