"""The public pages of the eBook and the newsletter: ask, confirm (a page whose button confirms: mail scanners
open every link, so no GET changes anything), download, unsubscribe (RFC 8058 one-click POST, no cookie, no
CSRF token). Thin views over cellway.newsletter.services; every link's checks are the service's."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from cellway.errors import Refusal
from cellway.evidence.selectors import live_page
from cellway.newsletter import services
from cellway.newsletter.ebook import ebook_pdf
from cellway.pdf import PdfUnavailable, pdf_response
from cellway.site.forms import HONEYPOT, EbookForm, NewsletterForm

LINK_STATUS = {"forged": 404, "expired": 410, "unconfirmed": 409}


def _address(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR") or "")


def _refused_link(request: HttpRequest, refused: services.LinkRefused) -> HttpResponse:
    why = {
        "forged": _("This link is not one of ours, or it was changed on the way."),
        "expired": _("This link has expired. You can ask again: it takes a minute."),
        "unconfirmed": _("This download is not confirmed yet: open the link in our mail and press its button."),
    }[refused.reason]
    return render(request, "site/link_refused.html", {"why": why}, status=LINK_STATUS[refused.reason])


def _ask(
    request: HttpRequest, *, form: EbookForm | NewsletterForm, page_slug: str, template: str, extra: dict[str, object]
) -> HttpResponse:
    if not form.is_valid():
        return render(request, template, {"form": form, **extra}, status=422)
    if form.cleaned_data[HONEYPOT].strip():
        # A robot filled the hidden field: it is told what a person would be told, and nothing is sent.
        return render(request, "site/link_sent.html")
    try:
        services.request_ebook(
            email=form.cleaned_data["email"],
            page_slug=page_slug,
            language=translation.get_language(),
            newsletter=bool(form.cleaned_data.get("newsletter", True)),
            address=_address(request),
        )
    except services.TooMany:
        return render(request, "site/inquiry_refused.html", {"why": _("Too many requests lately; please try again later.")}, status=429)
    except Refusal as refusal:
        form.add_error(None, refusal.message)
        return render(request, template, {"form": form, **extra}, status=422)
    # The same page whether this address asked before or not: nobody learns who is on the list.
    return render(request, "site/link_sent.html")


@require_http_methods(["GET", "POST"])
def ebook(request: HttpRequest, slug: str) -> HttpResponse:
    """Ask for the condition page's eBook (the form sits on the condition page; errors come back here)."""
    publication = live_page(slug)
    if publication is None:
        raise Http404("No such page.")
    if request.method == "GET":
        return HttpResponseRedirect(reverse("site:condition", args=[slug]) + "#ebook")
    title = publication.content["title"].get(translation.get_language()) or publication.content["title"]["en"]
    return _ask(request, form=EbookForm(request.POST), page_slug=slug, template="site/ebook.html", extra={"title": title, "slug": slug})


@require_http_methods(["GET", "POST"])
def newsletter(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return render(request, "site/newsletter.html", {"form": NewsletterForm()})
    return _ask(request, form=NewsletterForm(request.POST), page_slug="", template="site/newsletter.html", extra={})


@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows what is being confirmed and a button; only the button's POST confirms."""
    try:
        if request.method == "GET":
            asked = services.request_to_confirm(token)
            return render(request, "site/confirm.html", {"asked": asked, "title": _title(asked.page_slug), "token": token})
        asked, _now = services.confirm(token=token, address=_address(request))
    except services.LinkRefused as refused:
        return _refused_link(request, refused)
    download = reverse("site:ebook_download", args=[services.download_token(asked)]) if asked.page_slug else ""
    return render(request, "site/confirmed.html", {"asked": asked, "title": _title(asked.page_slug), "download": download})


def _title(slug: str) -> str:
    publication = live_page(slug) if slug else None
    if publication is None:
        return ""
    titles: dict[str, str] = publication.content["title"]
    return titles.get(translation.get_language()) or titles["en"]


def ebook_download(request: HttpRequest, token: str) -> HttpResponse:
    try:
        asked = services.request_to_download(token)
    except services.LinkRefused as refused:
        return _refused_link(request, refused)
    publication = live_page(asked.page_slug)
    if publication is None:
        return render(
            request, "site/link_refused.html", {"why": _("This page is no longer published, so there is no eBook of it.")}, status=410
        )
    try:
        pdf = ebook_pdf(publication, asked.language)
    except PdfUnavailable:
        return render(
            request, "site/link_refused.html", {"why": _("The eBook cannot be made right now. Please try again later.")}, status=503
        )
    services.count_download(asked)
    return pdf_response(pdf, f"{asked.page_slug}-{asked.language}.pdf")


@csrf_exempt  # RFC 8058: the provider's one-click POST carries no cookie and no token; the signed link is the proof
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button (a scanner opening the link unsubscribes nobody); POST, from it or from the mail
    program's one-click button (body List-Unsubscribe=One-Click), unsubscribes at once."""
    try:
        if request.method == "GET":
            subscriber, _issue = services.subscriber_to_unsubscribe(token)
            return render(request, "site/unsubscribe.html", {"subscriber": subscriber, "token": token})
        subscriber = services.unsubscribe(token=token)
    except services.LinkRefused as refused:
        return _refused_link(request, refused)
    return render(request, "site/unsubscribed.html", {"subscriber": subscriber})
