"""Records pages of the staff interface: thin adapters over the records selectors and services.

Every object is fetched through a selector scoped to the person (404 outside
scope); a role without a clinical reason to read records gets 403
(`Part.RECORDS`), and every read of a file, a study, a series, a slice or a
preview is on the case's trail (`record_medical_read`, one row per person,
object and ten minutes). The upload endpoints speak JSON to
``records/upload.js``; the pages are server-rendered with htmx polling for
ingest progress.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cellway.accounts.models import User
from cellway.cases.parts import Part
from cellway.cases.services import record_medical_read
from cellway.console.access import require_part
from cellway.errors import NotAllowed, Refusal
from cellway.records import conf, selectors, services
from cellway.records.blobs import local_path
from cellway.records.intake import dicom, filetypes
from cellway.records.models import ImagingSeries, RecordFile, ScanStatus, UploadSession


def _refused(refusal: Refusal) -> JsonResponse:
    if isinstance(refusal, NotAllowed):
        status = 403
    elif isinstance(refusal, services.TooLarge):
        status = 413
    elif isinstance(refusal, services.OffsetMismatch):
        return JsonResponse({"error": refusal.message, "offset": refusal.offset}, status=409)
    else:
        status = 422
    return JsonResponse({"error": refusal.message}, status=status)


def _upload_json(upload: UploadSession) -> dict[str, Any]:
    return {
        "upload": str(upload.uuid),
        "name": upload.name,
        "size": upload.size,
        "offset": upload.received,
        "status": upload.status,
        "chunk_size": conf.upload_chunk_bytes(),
        "chunk_url": reverse("records:upload-chunk", args=[upload.uuid, 0]).removesuffix("0/") + "{offset}/",
        "complete_url": reverse("records:upload-complete", args=[upload.uuid]),
        "status_url": reverse("records:upload", args=[upload.uuid]),
    }


@login_required
@require_POST
def upload_start(request: HttpRequest, uuid: str, item: int) -> JsonResponse:
    """Open a chunked upload: form fields ``name``, ``size``, optional ``key`` (to resume) and ``sha256``."""
    user: User = request.user  # type: ignore[assignment]
    record_item = selectors.visible_item(user, uuid, item)
    require_part(user, Part.RECORDS)
    try:
        size = int(request.POST.get("size", ""))
    except ValueError:
        return JsonResponse({"error": "Say how large the file is."}, status=422)
    try:
        upload = services.start_upload(
            item=record_item,
            by=user,
            name=request.POST.get("name", ""),
            size=size,
            client_key=request.POST.get("key", ""),
            sha256=request.POST.get("sha256", ""),
        )
    except Refusal as refusal:
        return _refused(refusal)
    return JsonResponse(_upload_json(upload), status=201)


@login_required
@require_http_methods(["GET"])
def upload_status(request: HttpRequest, uuid: str) -> JsonResponse:
    """Where an upload stands, so a browser that lost its connection goes on from there."""
    upload = selectors.visible_upload(request.user, uuid)  # type: ignore[arg-type]
    require_part(request.user, Part.RECORDS)  # type: ignore[arg-type]
    if upload.created_by_id != request.user.pk:
        raise Http404("No such upload.")
    return JsonResponse(_upload_json(upload))


@login_required
@require_http_methods(["PUT"])
def upload_chunk(request: HttpRequest, uuid: str, offset: int) -> JsonResponse:
    """The bytes of the upload from ``offset`` (body, ``application/octet-stream``), streamed to disk."""
    user: User = request.user  # type: ignore[assignment]
    upload = selectors.visible_upload(user, uuid)
    require_part(user, Part.RECORDS)
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
        services.append_chunk(upload=upload, by=user, offset=offset, stream=request, length=length)  # type: ignore[arg-type]
    except Refusal as refusal:
        return _refused(refusal)
    return JsonResponse({"offset": upload.received, "size": upload.size})


@login_required
@require_POST
def upload_complete(request: HttpRequest, uuid: str) -> JsonResponse:
    user: User = request.user  # type: ignore[assignment]
    upload = selectors.visible_upload(user, uuid)
    require_part(user, Part.RECORDS)
    try:
        record = services.complete_upload(upload=upload, by=user)
    except Refusal as refusal:
        return _refused(refusal)
    return JsonResponse(
        {
            "record": str(record.uuid),
            "name": record.original_name,
            "size": record.size,
            "type": record.content_type,
            "url": reverse("records:file", args=[record.uuid]),
            "progress_url": reverse("records:file-progress", args=[record.uuid]),
            "same_as_before": record.original_name != upload.name or record.uploaded_at < upload.created_at,
        }
    )


@login_required
@require_GET
def record_detail(request: HttpRequest, uuid: str) -> HttpResponse:
    """Who sent a record, when, from where, its checks, what was read from it, and everyone who opened it."""
    record = _readable_record(request, uuid)
    context = {
        "record": record,
        "case": record.item.case,
        "trail": list(selectors.read_trail(record)[:200]),
        "flags": list(record.flags.all()),
        "studies": list(record.item.case.imaging_studies.filter(series__slices__record=record).distinct()),
        "uploaded_event": record.item.case.events.filter(kind="record.uploaded", data__file=str(record.uuid)).first(),
    }
    return render(request, "console/records/record.html", context)


@login_required
@require_GET
def record_progress(request: HttpRequest, uuid: str) -> HttpResponse:
    """The ingest badge; polled by htmx while the work runs, still once it is done."""
    record = _readable_record(request, uuid)
    return render(request, "console/records/_progress.html", {"f": record})


@login_required
@require_GET
def download(request: HttpRequest, uuid: str) -> FileResponse:
    """The file itself, as an attachment, written to the trail. Quarantined or unscanned bytes are not served."""
    user: User = request.user  # type: ignore[assignment]
    record = selectors.visible_record(user, uuid)
    require_part(user, Part.RECORDS)
    _check_servable(record)
    services.record_read(record=record, by=user)
    response = FileResponse(
        record.file.open("rb"), as_attachment=True, filename=record.original_name, content_type="application/octet-stream"
    )
    response["Cache-Control"] = "private, no-store"
    return response


def _readable_record(request: HttpRequest, uuid: str) -> RecordFile:
    """The record, if it is in the person's scope (else 404) and they read records (else 403); the read goes on the trail."""
    user: User = request.user  # type: ignore[assignment]
    record = selectors.visible_record(user, uuid)
    require_part(user, Part.RECORDS)
    services.record_read(record=record, by=user)
    return record


def _readable_series(request: HttpRequest, uuid: str) -> ImagingSeries:
    """The series, if in scope and readable; the viewer, each slice and the preview are one read on the trail.

    One row per person, series and ten minutes (`record_medical_read`): stepping
    through 200 slices does not write 200 rows, and nothing is read unrecorded.
    """
    user: User = request.user  # type: ignore[assignment]
    series = selectors.visible_series(user, uuid)
    require_part(user, Part.RECORDS)
    record_medical_read(
        case=series.study.case,
        by=user,
        subject=f"series:{series.uuid}",
        summary=f"Viewed imaging series {series.description or series.series_uid}",
    )
    return series


def _check_servable(record: RecordFile) -> None:
    blob = record.blob
    if blob is None or blob.servable:
        return
    if blob.scan_status == ScanStatus.INFECTED:
        raise PermissionDenied(f"{record.original_name} is quarantined: the virus scan found {blob.scan_detail}. It is not served.")
    raise PermissionDenied(f"{record.original_name} has not passed the virus scan yet ({blob.get_scan_status_display().lower()}).")


@login_required
@require_GET
def study_detail(request: HttpRequest, uuid: str) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    study = selectors.visible_study(user, uuid)
    require_part(user, Part.RECORDS)
    series = list(study.series.all())
    record_medical_read(
        case=study.case, by=user, subject=f"study:{study.uuid}", summary=f"Opened imaging study {study.description or study.study_uid}"
    )
    return render(request, "console/records/study.html", {"study": study, "case": study.case, "series": series})


@login_required
@require_GET
def series_viewer(request: HttpRequest, uuid: str) -> HttpResponse:
    """Step through a series' slices; ?slice=n (1-based) without JavaScript."""
    series = _readable_series(request, uuid)
    slices = list(selectors.ordered_slices(series).values_list("pk", "position", "instance_number"))
    if not slices:
        raise Http404("This series has no images.")
    try:
        current = min(max(int(request.GET.get("slice", "")), 1), len(slices))
    except ValueError:
        current = len(slices) // 2 + 1
    _, position, number = slices[current - 1]
    context = {
        "series": series,
        "study": series.study,
        "case": series.study.case,
        "count": len(slices),
        "current": current,
        "position": position,
        "number": number,
        "src": reverse("records:slice", args=[series.uuid, current]),
        "src_template": reverse("records:slice", args=[series.uuid, 1]).removesuffix("1.png") + "{n}.png",
        "prev": current - 1 if current > 1 else None,
        "next": current + 1 if current < len(slices) else None,
    }
    return render(request, "console/records/series.html", context)


@login_required
@require_GET
def slice_image(request: HttpRequest, uuid: str, n: int) -> HttpResponse:
    """Slice ``n`` (1-based, spatial order) as PNG, windowed like the preview. Opening the viewer is the read on the trail."""
    series = _readable_series(request, uuid)
    one = selectors.slice_at(series, n)
    if one is None:
        raise Http404("No such slice.")
    if not one.blob.servable:
        raise PermissionDenied("This image has not passed the virus scan.")
    with local_path(one.blob.file.name) as path:
        png = dicom.render_preview(path)
    if isinstance(png, dicom.DicomProblem):
        return HttpResponse(png.reason, status=422, content_type="text/plain")
    return _png(png)


@login_required
@require_GET
def series_preview(request: HttpRequest, uuid: str) -> HttpResponse:
    series = _readable_series(request, uuid)
    if not series.preview:
        raise Http404("No preview for this series.")
    with series.preview.open("rb") as fh:
        return _png(fh.read())


def _png(data: bytes) -> HttpResponse:
    response = HttpResponse(data, content_type="image/png")
    # Medical images: never kept by the browser (ward computers are shared), like every page a signed-in person sees.
    response["Cache-Control"] = "private, no-store"
    return response


def accepted_names(kind: str) -> str:
    names = filetypes.accepted_names(kind)
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"
