"""The eBook's and the newsletter's mails: rendered in the recipient's language and sent by background tasks.

Each mail goes to one address alone. Newsletter mails carry ``List-Unsubscribe`` with an https link and
``List-Unsubscribe-Post: List-Unsubscribe=One-Click`` (RFC 8058): the provider's button POSTs that link, which
unsubscribes with no cookie and no form; the same link is shown in the text for people.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, send_mail
from django.core.mail.message import make_msgid
from django.tasks import task
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape, linebreaks

from cellway.clinic import public_url
from cellway.evidence.selectors import live_page
from cellway.newsletter import conf, services
from cellway.newsletter.models import EbookRequest, Issue, Subscriber


def _title(request: EbookRequest) -> str:
    page = live_page(request.page_slug) if request.page_slug else None
    if page is None:
        return ""
    titles: dict[str, str] = page.content["title"]
    return titles.get(request.language) or titles["en"]


def _mail(template: str, to: str, language: str, context: dict[str, object]) -> int:
    with translation.override(language):
        text = render_to_string(template, {"clinic": settings.CLINIC_NAME, **context})
    subject, _, body = text.strip().partition("\n")
    return send_mail(subject.strip(), body.strip() + "\n", None, [to])


@task
def send_confirmation(*, request_id: int) -> int:
    """The double opt-in's first step: a link to a page whose button confirms (the link itself changes nothing)."""
    request = EbookRequest.objects.get(pk=request_id)
    with translation.override(request.language):
        link = public_url(reverse("site:confirm", args=[services.confirm_token(request)]))
    return _mail(
        "email/newsletter/confirm.txt",
        request.email,
        request.language,
        {"link": link, "title": _title(request), "newsletter": request.newsletter, "days": conf.confirm_within().days},
    )


@task
def send_download_link(*, request_id: int) -> int:
    request = EbookRequest.objects.get(pk=request_id)
    with translation.override(request.language):
        link = public_url(reverse("site:ebook_download", args=[services.download_token(request)]))
    return _mail(
        "email/newsletter/download.txt",
        request.email,
        request.language,
        {"link": link, "title": _title(request), "days": conf.download_within().days},
    )


def issue_message(issue: Issue, subscriber: Subscriber) -> EmailMultiAlternatives:
    """One issue for one subscriber, in their language (English where the issue has no translation)."""
    language = subscriber.language if subscriber.language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
    with translation.override(language):
        # modeltranslation answers in the active language and falls back to English.
        subject, body = issue.subject, issue.body
        unsubscribe = public_url(reverse("site:unsubscribe", args=[services.unsubscribe_token(subscriber, issue)]))
        context = {"body": body, "unsubscribe": unsubscribe, "clinic": settings.CLINIC_NAME}
        text = render_to_string("email/newsletter/issue.txt", context)
        html = render_to_string("email/newsletter/issue.html", {**context, "body_html": linebreaks(escape(body))})
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        to=[subscriber.email],
        headers={
            "Message-ID": make_msgid(domain=settings.PUBLIC_URL.split("//")[-1].split(":")[0].split("/")[0] or "cellway.example"),
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Precedence": "bulk",
            "Auto-Submitted": "auto-generated",
        },
    )
    message.attach_alternative(html, "text/html")
    return message


def send_batch(*, issue: Issue, size: int) -> tuple[int, int]:
    """Send one batch of the issue: (sent, failed). Each delivery was claimed before its mail goes."""
    sent = failed = 0
    for delivery in services.claim_batch(issue=issue, size=size):
        message = issue_message(issue, delivery.subscriber)
        try:
            message.send()
        except Exception as error:  # noqa: BLE001 - any provider error fails this one delivery, not the batch
            services.delivery_failed(delivery=delivery, error=f"{type(error).__name__}: {error}")
            failed += 1
        else:
            services.delivery_sent(delivery=delivery, message_id=str(message.extra_headers["Message-ID"]))
            sent += 1
    return sent, failed
