"""The web inquiry's records upload: a page reached by the link the visitor gets when the inquiry is sent (and
in the acknowledgement mail), no account. Each file is posted alone; the page's script shows the browser's
upload progress (XHR ``upload.onprogress``). Thin views over cellway.records.public: every check is its."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from cellway.errors import Refusal
from cellway.records import public, services
from cellway.records.services import human_size

LINK_STATUS = {"forged": 404, "expired": 410, "closed": 409, "full": 409}


def _link_words(reason: str) -> str:
    return {
        "forged": _("This upload link is not one of ours, or it was changed on the way."),
        "expired": _("This upload link has expired. Please reply to our email and we will send you a new one."),
        "closed": _("The care team is no longer collecting records for this inquiry. Please reply to our email to send more."),
        "full": _("This inquiry has received as many files as this link takes. Please reply to our email to send more."),
    }[reason]


def _refusal_words(refusal: Refusal, name: str) -> tuple[str, int]:
    """The intake's refusal, in the visitor's language, and its HTTP status."""
    if isinstance(refusal, public.UploadLinkRefused):
        return _link_words(refusal.reason), LINK_STATUS[refusal.reason]
    if isinstance(refusal, services.TooLarge):
        limit = human_size(public.max_bytes())
        return _("%(name)s is too large: the largest file we accept is %(limit)s.") % {"name": name, "limit": limit}, 413
    if isinstance(refusal, services.EmptyFile):
        return _("%(name)s is empty (0 bytes), so it may not have copied fully; please send it again.") % {"name": name}, 422
    if isinstance(refusal, services.WrongType):
        return _("%(name)s is not a kind of file we accept. We accept %(types)s.") % {
            "name": name,
            "types": ", ".join(refusal.accepted),
        }, 415
    if isinstance(refusal, services.BadArchive):
        return _("%(name)s is an archive we cannot open safely (damaged, or not what it says it is).") % {"name": name}, 422
    return _("%(name)s could not be received. Please try again, or send it by email.") % {"name": name}, 422


def _wants_json(request: HttpRequest) -> bool:
    return request.headers.get("X-Requested-With") == "XMLHttpRequest"


@never_cache
@require_http_methods(["GET", "POST"])
def records(request: HttpRequest, token: str) -> HttpResponse:
    """GET: the upload page with what this link has received. POST: one file (``file``), answered in JSON to the
    page's script, or with the page again without JavaScript. A refused file leaves the inquiry as it was."""
    try:
        case = public.case_for_token(token)
        public.check_public_upload(case)
    except public.UploadLinkRefused as refused:
        why, status = _refusal_words(refused, "")
        if _wants_json(request):
            return JsonResponse({"error": why}, status=status)
        return render(request, "site/link_refused.html", {"why": why}, status=status)
    message, status = "", 200
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            message, status = _("Choose a file to send."), 422
        else:
            name = public.file_name(upload.name or "file")
            try:
                public.attach_public_file(token=token, upload=upload)
            except Refusal as refusal:
                message, status = _refusal_words(refusal, name)
            else:
                message = _("%(name)s is received. Our care team will sort it into your records.") % {"name": name}
        if _wants_json(request):
            return JsonResponse({"error": message} if status >= 400 else {"message": message}, status=status)
    accepted = ", ".join(public.accepted_names())
    files = [(f, public.file_state(f)) for f in public.sent_files(case)]
    return render(
        request,
        "site/inquiry_records.html",
        {
            "files": files,
            "message": message,
            "refused": status >= 400,
            # Left to right inside a right-to-left sentence ("4.0 GiB", not "GiB 4.0").
            "accepted": format_html('<bdi dir="ltr">{}</bdi>', accepted),
            "limit": format_html('<bdi dir="ltr">{}</bdi>', human_size(public.max_bytes())),
            "code": case.code,
        },
        status=status,
    )
