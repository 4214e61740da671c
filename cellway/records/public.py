"""A web inquiry's upload link: the visitor who wrote in sends their records with no account.

The capability is a signed, expiring token naming the inquiry's case (django.core.signing, its own salt):
whoever holds the link may add files to that case's "unsorted" checklist item while records are still being
collected, and nothing else: not read them back, not see the case. Every file goes through the records
intake as a staff upload does (size limit, type by content, archive rules, SHA-256, stored once, virus scan
after commit, quarantine); the care team sorts the files into the checklist from the console.
"""

from __future__ import annotations

import datetime as dt

from django.core import signing
from django.core.files.uploadedfile import UploadedFile
from django.db.models import QuerySet

from cellway.cases.models import Case
from cellway.cases.stages import Stage
from cellway.errors import Refusal
from cellway.records import conf, selectors, services
from cellway.records.intake import filetypes
from cellway.records.models import RecordFile, RecordKind

_SALT = "cellway.records.public-upload"
# How long the link in the page and in the acknowledgement mail works.
UPLOAD_LINK_DAYS = 30
# The most files one inquiry's link takes (a flood from one link is refused; the care team can ask for more).
MAX_FILES = 40
SOURCE = "website upload"
# While the care team is still collecting records (the same stages as staff attaching them).
OPEN_STAGES = frozenset({Stage.INQUIRY, Stage.TRIAGE, Stage.REVIEW})


class UploadLinkRefused(Refusal):
    """The link cannot take files. ``reason``: "forged" (not ours, or changed), "expired", "closed" (the case
    has moved past collecting records or ended), "full" (MAX_FILES sent). The site words it for the visitor."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def accepted_names() -> list[str]:
    """The kinds of file a link takes, as a visitor reads them (PDF, JPEG, ... ZIP)."""
    return filetypes.accepted_names(RecordKind.UNSORTED)


def max_bytes() -> int:
    return conf.upload_max_bytes()


def file_name(name: str) -> str:
    """The name a file is kept (and shown) under: the last part of what the browser sent."""
    return services._clean_name(name)


def upload_token(case: Case) -> str:
    """The capability for one inquiry's case, valid UPLOAD_LINK_DAYS from now."""
    return signing.TimestampSigner(salt=_SALT).sign(str(case.uuid))


def case_for_token(token: str) -> Case:
    """The case a link names; ``UploadLinkRefused`` if forged or expired (no stage check: see check_public_upload)."""
    try:
        value = signing.TimestampSigner(salt=_SALT).unsign(token, max_age=dt.timedelta(days=UPLOAD_LINK_DAYS))
    except signing.SignatureExpired:
        raise UploadLinkRefused("expired", "This upload link has expired.") from None
    except signing.BadSignature:
        raise UploadLinkRefused("forged", "This upload link is not valid.") from None
    case = Case.objects.filter(uuid=value).first()
    if case is None:
        raise UploadLinkRefused("forged", "This upload link names no inquiry.")
    return case


def check_public_upload(case: Case) -> None:
    """Whether a visitor's link may add a file to the case now: records still being collected, under MAX_FILES."""
    if case.stage not in OPEN_STAGES:
        raise UploadLinkRefused("closed", f"{case.code} is no longer collecting records ({case.get_stage_display()}).")
    if sent_files(case).count() >= MAX_FILES:
        raise UploadLinkRefused("full", f"{case.code} already has {MAX_FILES} files sent through its upload link.")


def sent_files(case: Case) -> QuerySet[RecordFile]:
    """The files sent through the case's upload link, newest first, with their scan and ingest state."""
    return selectors.sent_files(case, sources=(SOURCE,))


def attach_public_file(*, token: str, upload: UploadedFile[bytes]) -> RecordFile:
    """Store one file sent through an upload link on the case's "unsorted" item, through the records intake
    (``services.attach_sent_file``, the path the portal's uploads take too).

    Refused with nothing stored: a forged or expired link, a case past collecting records, a full link
    (``UploadLinkRefused``), and whatever the intake refuses (``services.TooLarge``, ``EmptyFile``,
    ``WrongType``, ``BadArchive``). The same bytes sent twice are stored once (one record). The virus scan
    runs after commit; malware is quarantined, never served."""
    case = case_for_token(token)
    return services.attach_sent_file(
        case=case, kind=RecordKind.UNSORTED, upload=upload, by=None, source=SOURCE, check=check_public_upload
    )


def file_state(record: RecordFile) -> str:
    """One word for the visitor: "checking" (scan or reading not finished), "received", or "refused"
    (quarantined or unreadable: the care team sees why)."""
    state = selectors.sent_file_state(record)
    return "refused" if state in ("infected", "unreadable") else state
