"""Writes to the case's thread: contacts staff log by hand, mail out (stored as it goes), mail in.

Mail in (``receive_mail``) is threaded onto a case by, in turn, the case's reply address (its hmac checked),
the Message-IDs it answers (In-Reply-To, References) and a ``[#CODE]`` tag in the subject, but only when the
sender is a known contact of that case; mail to the clinic's inquiry address opens an inquiry; anything else
waits in the review queue for the care team. Its attachments go through the records intake. Nothing here
answers a machine (``mailrules.is_automatic``), and a mail delivered twice (one Message-ID) is stored once.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.core.mail import make_msgid
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.tasks import task
from django.urls import reverse
from django.utils import timezone

from cellway import limits
from cellway.accounts.models import User
from cellway.cases import notify
from cellway.cases import services as cases
from cellway.cases.languages import case_language
from cellway.cases.models import Case
from cellway.cases.reply_address import case_code_of
from cellway.cases.services import require_perm
from cellway.clinic import clinic_today, public_url
from cellway.conversations import contacts, mailrules
from cellway.conversations.models import LOGGED_CHANNELS, Channel, Conversation, Direction, HeldAttachment, Message, Review
from cellway.errors import Refusal, StageConflict
from cellway.records import services as records
from cellway.records.models import RecordFile

# A logged contact's time may be a few minutes ahead of the server's clock (a phone's clock), never more.
CLOCK_SKEW = dt.timedelta(minutes=5)


# --- Contacts staff log by hand -------------------------------------------------------------------


def check_log_contact(*, case: Case, by: User) -> None:
    """Care, liaison, the specialist and the nurse log their calls and conversations with a case's people."""
    require_perm(by, "conversations.log_contact", "log contacts with patients and families")


def log_contact(*, case: Case, by: User, channel: str, direction: str, contact: str, occurred_at: dt.datetime, summary: str) -> Message:
    """A phone call, a WhatsApp conversation, a talk in person... as it happened: with whom, when, which way
    (who reached out) and what was said. On the case's thread, with who logged it."""
    check_log_contact(case=case, by=by)
    if channel not in LOGGED_CHANNELS:
        raise Refusal(f"Say how you were in contact: one of {', '.join(str(Channel(c).label).lower() for c in LOGGED_CHANNELS)}.")
    if direction not in Direction.values:
        raise Refusal("Say who reached out: the contact, or the clinic.")
    contact, summary = contact.strip(), summary.strip()
    if not contact:
        raise Refusal("Say whom you were in contact with (the patient, or who else).")
    if not summary:
        raise Refusal("Write what was said: a contact without a summary tells the next person nothing.")
    limits.check_length(contact, limits.NAME, "Whom you were in contact with")
    limits.check_length(summary, limits.NOTE, "The summary")
    if occurred_at > timezone.now() + CLOCK_SKEW:
        raise Refusal("The contact cannot be in the future: give the time it happened.")
    start = case.inquiry.received_at if case.inquiry is not None else case.opened_at
    if occurred_at < start - dt.timedelta(days=1):
        raise Refusal(f"The contact cannot be before the inquiry ({timezone.localtime(start):%d %b %Y}).")
    return Message.objects.create(
        case=case,
        channel=channel,
        direction=direction,
        author=by,
        author_label=by.get_full_name() or by.get_username(),
        contact=contact,
        body=summary,
        occurred_at=occurred_at,
    )


# --- Mail out -------------------------------------------------------------------------------------


def record_mail_out(
    sender: Any, *, case: Case | None, to: str, subject: str, body: str, message_id: str, automatic: bool = False, **kwargs: Any
) -> Message:
    """Receiver of ``cases.signals.contact_mailed``: the mail about to go to a patient or family member, on the
    case's thread, with the Message-ID their reply will name. A mail stored before it went (``write_mail``: the
    staff member's own words, at once) is not stored twice. ``automatic``: a notice, not anyone's word (it does
    not change whom the thread waits on)."""
    stored = Message.objects.filter(email_message_id=message_id).first()
    if stored is not None:
        return stored
    contact = case.patient.full_name if case is not None and case.patient.email.lower() == to.lower() else ""
    if not contact and case is not None:
        contact = next((p.name for p in contacts.people_of(case) if p.email.lower() == to.lower()), "")
    return Message.objects.create(
        automatic=automatic,
        case=case,
        channel=Channel.EMAIL,
        direction=Direction.OUTBOUND,
        author_label=settings.CLINIC_NAME,
        contact=contact,
        email_address=to,
        subject=subject[: limits.SHORT],
        body=body[: limits.MESSAGE],
        email_message_id=message_id,
        occurred_at=timezone.now(),
    )


# --- Mail in --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Attachment:
    """A file a mail brought."""

    name: str
    content_type: str
    size: int
    data: BinaryIO


@dataclass(frozen=True)
class InboundMail:
    """A mail as received, whatever service delivered it (``webhooks`` builds it from django-anymail's message)."""

    message_id: str
    from_address: str
    from_name: str
    # The envelope recipient, To and Cc.
    recipients: tuple[str, ...]
    subject: str
    text: str
    automatic: bool
    sent_at: dt.datetime | None = None
    # In-Reply-To, then References: the Message-IDs it answers.
    answers: tuple[str, ...] = ()
    attachments: tuple[Attachment, ...] = field(default=())


@dataclass(frozen=True)
class Received:
    message: Message
    # The same Message-ID was stored before: nothing new was written.
    duplicate: bool = False


def attachment_limit() -> int:
    return int(settings.MAIL_ATTACHMENT_MAX_MIB) * 1024 * 1024


def known_contact(case: Case, address: str) -> bool:
    """Whether ``address`` is one of the case's people: the patient's or the inquiry's address, one the clinic
    has mailed about the case, one whose mail the care team attached to it, or a person the registry of the
    apps above names (``contacts.people_of``: a portal helper whose access is open today). A person whose
    portal access ended is not, whatever was mailed before."""
    address = address.strip().lower()
    if not address:
        return False
    if case.patient.email.lower() == address or (case.inquiry is not None and case.inquiry.email.lower() == address):
        return True
    # The people the apps above know (the portal's family and helpers): asked through the registry, as
    # conversations may not import the portal (contacts.py says why). Whose access ended is no longer a contact,
    # even if the clinic mailed them while it was open.
    if any(person.email.strip().lower() == address for person in contacts.people_of(case)):
        return True
    if address in contacts.former_addresses(case):
        return False
    return (
        Message.objects.filter(case=case, channel=Channel.EMAIL, email_address__iexact=address)
        .filter(Q(direction=Direction.OUTBOUND) | Q(review=Review.ATTACHED))
        .exists()
    )


def claimed_case(mail: InboundMail) -> Case | None:
    """The case a mail names: its reply address (hmac checked), else a stored Message-ID it answers, else a
    ``[#CODE]`` subject tag. Whether the sender may write onto it is ``known_contact``'s question."""
    related = ("patient", "inquiry")
    for address in mail.recipients:
        code = case_code_of(address)
        if code is not None:
            return Case.objects.select_related(*related).filter(code=code).first()
    if mail.answers:
        answered = (
            Message.objects.filter(email_message_id__in=mail.answers, case__isnull=False)
            .select_related("case__patient", "case__inquiry")
            .order_by("-occurred_at")
            .first()
        )
        if answered is not None:
            return answered.case
    code = mailrules.case_tag(mail.subject)
    return Case.objects.select_related(*related).filter(code=code).first() if code else None


def _check_sender(mail: InboundMail) -> str:
    address = mail.from_address.strip()
    if not address:
        raise Refusal("The mail has no sender's address: it cannot be put on a case or answered, and was not stored.")
    try:
        validate_email(address)
    except ValidationError:
        raise Refusal(f"The sender's address {address[:80]!r} is not an email address; the mail was not stored.") from None
    return address


def receive_mail(*, mail: InboundMail) -> Received:
    """Store a mail in: on its case, as a new inquiry (mail to the inquiry address), or waiting for review.

    A mail with no usable sender is refused with nothing written. The same Message-ID a second time returns
    the first one (``duplicate``). Attachments go through the records intake on the case (held aside while
    the mail waits for review); one kept out (too large, a type not accepted) is named on the message and its
    sender told, unless a machine sent the mail."""
    sender = _check_sender(mail)
    message_id = mailrules.normal_message_id(mail.message_id) or mailrules.stand_in_message_id(
        sender, mail.subject, mail.sent_at.isoformat() if mail.sent_at else "", mail.text, domain=settings.REPLY_DOMAIN
    )
    first = Message.objects.filter(email_message_id=message_id).first()
    if first is not None:
        return Received(first, duplicate=True)
    case = claimed_case(mail)
    to_inquiry_address = settings.INQUIRY_EMAIL in {r.strip().lower() for r in mail.recipients}
    stored: list[RecordFile] = []
    held: list[str] = []
    try:
        with transaction.atomic():
            if case is not None and known_contact(case, sender):
                message = _store(mail, message_id, sender, case=case)
            elif case is None and to_inquiry_address and not mail.automatic:
                case = cases.receive_email_inquiry(
                    full_name=mail.from_name,
                    email=sender,
                    message=_text_of(mail)[: limits.MESSAGE],
                    received_at=timezone.now(),
                    site_language=mailrules.guess_language(f"{mail.subject}\n{mail.text}"),
                )
                message = _store(mail, message_id, sender, case=case)
            else:
                message = _store(mail, message_id, sender, case=None, claimed=case)
            kept_out = _take_attachments(message, mail.attachments, stored=stored, held=held)
            if kept_out:
                message.attachments_note = "\n".join(kept_out)[: limits.NOTE]
                message.save(update_fields=["attachments_note"])
                if not mail.automatic:
                    transaction.on_commit(lambda: send_kept_out.enqueue(message_pk=message.pk))
    except IntegrityError:
        # The same mail, delivered twice at once: the other delivery stored it.
        _forget(stored, held)
        first = Message.objects.filter(email_message_id=message_id).first()
        if first is None:
            raise
        return Received(first, duplicate=True)
    except BaseException:
        _forget(stored, held)
        raise
    return Received(message)


def _text_of(mail: InboundMail) -> str:
    return f"{mail.subject}\n\n{mail.text}".strip() if mail.subject else mail.text.strip()


def _store(mail: InboundMail, message_id: str, sender: str, *, case: Case | None, claimed: Case | None = None) -> Message:
    return Message.objects.create(
        case=case,
        channel=Channel.EMAIL,
        direction=Direction.INBOUND,
        author_label=(mail.from_name.strip() or sender)[: limits.NAME],
        contact=(mail.from_name.strip() or sender)[: limits.NAME],
        email_address=sender[: limits.EMAIL],
        subject=mail.subject.replace("\x00", "")[: limits.SHORT],
        body=mail.text.replace("\x00", "")[: limits.MESSAGE],
        email_message_id=message_id,
        automatic=mail.automatic,
        review=Review.NONE if case is not None else Review.WAITING,
        claimed_case=claimed,
        occurred_at=timezone.now(),
    )


def _take_attachments(message: Message, attachments: tuple[Attachment, ...], *, stored: list[RecordFile], held: list[str]) -> list[str]:
    """Each attachment into the records intake of the message's case (or held while it waits for review);
    returns a line for each one kept out."""
    kept_out: list[str] = []
    for attachment in attachments:
        try:
            if message.case is not None:
                with transaction.atomic():
                    record = records.attach_mailed_file(
                        case=message.case, name=attachment.name, data=attachment.data, size=attachment.size, max_bytes=attachment_limit()
                    )
                stored.append(record)
                message.records.add(record)
            else:
                held.append(_hold(message, attachment))
        except Refusal as refused:
            kept_out.append(refused.message)
    return kept_out


def _hold(message: Message, attachment: Attachment) -> str:
    name = (attachment.name or "attachment").replace("/", "_").replace("\\", "_").replace("\x00", "")[:255]
    if attachment.size > attachment_limit():
        raise records.TooLarge(
            f"{name} is {records.human_size(attachment.size)}; the largest attachment we accept by email is "
            f"{records.human_size(attachment_limit())}."
        )
    if attachment.size <= 0:
        raise Refusal(f"{name} is empty (0 bytes).")
    attachment.data.seek(0)
    held = HeldAttachment(message=message, name=name, content_type=attachment.content_type[:120], size=attachment.size)
    held.file.save(name, File(attachment.data), save=True)
    return str(held.file.name)


def _forget(stored: list[RecordFile], held: list[str]) -> None:
    for record in stored:
        records.forget_uncommitted(record)
    for name in held:
        default_storage.delete(name)


@task
def send_kept_out(*, message_pk: int) -> str:
    """Tell the sender which of their attachments were kept out, in their language, to them alone."""
    message = Message.objects.select_related("case__patient", "case__inquiry").get(pk=message_pk)
    language = None if message.case is not None else mailrules.guess_language(f"{message.subject}\n{message.body}")
    sent: str = notify.mail_contact(
        case=message.case,
        to=message.email_address,
        template="email/attachment_kept_out.txt",
        context={"subject": message.subject, "kept_out": message.attachments_note, "limit_mib": settings.MAIL_ATTACHMENT_MAX_MIB},
        language=language,
    )
    return sent


# --- The review queue -----------------------------------------------------------------------------


def check_review_mail(*, by: User) -> None:
    require_perm(by, "conversations.review_mail", "attach or discard mail waiting for review")


def _waiting(message: Message) -> Message:
    locked = Message.objects.select_for_update().get(pk=message.pk)
    if locked.review != Review.WAITING:
        by = f" by {locked.reviewed_by}" if locked.reviewed_by else ""
        raise StageConflict(f"This mail was {locked.get_review_display().lower()}{by} already.")
    return locked


def attach_mail(*, message: Message, case: Case, by: User) -> Message:
    """Put a mail waiting for review on a case (the reviewer has read it and knows whose it is). Its sender then
    counts as a contact of the case, and its held attachments go through the records intake."""
    check_review_mail(by=by)
    stored: list[RecordFile] = []
    try:
        with transaction.atomic():
            message = _waiting(message)
            message.case, message.review = case, Review.ATTACHED
            message.reviewed_by, message.reviewed_at = by, timezone.now()
            message.save(update_fields=["case", "review", "reviewed_by", "reviewed_at"])
            kept_out = [message.attachments_note] if message.attachments_note else []
            held = list(message.held_attachments.all())
            for attachment in held:
                try:
                    with transaction.atomic(), default_storage.open(str(attachment.file.name), "rb") as data:
                        record = records.attach_mailed_file(
                            case=case, name=attachment.name, data=data, size=attachment.size, max_bytes=attachment_limit()
                        )
                    stored.append(record)
                    message.records.add(record)
                except Refusal as refused:
                    kept_out.append(refused.message)
            message.attachments_note = "\n".join(kept_out)[: limits.NOTE]
            message.save(update_fields=["attachments_note"])
            _drop_held(held)
    except BaseException:
        _forget(stored, [])
        raise
    return message


def discard_mail(*, message: Message, by: User) -> Message:
    """Set aside a mail waiting for review (advertising, a wrong address); it stays stored, on no case, and the
    files it brought are deleted."""
    check_review_mail(by=by)
    with transaction.atomic():
        message = _waiting(message)
        message.review, message.reviewed_by, message.reviewed_at = Review.DISCARDED, by, timezone.now()
        message.save(update_fields=["review", "reviewed_by", "reviewed_at"])
        _drop_held(list(message.held_attachments.all()))
    return message


def _drop_held(held: list[HeldAttachment]) -> None:
    names = [attachment.file.name for attachment in held if attachment.file.name]
    HeldAttachment.objects.filter(pk__in=[attachment.pk for attachment in held]).delete()

    def delete_files() -> None:
        for name in names:
            default_storage.delete(name)

    transaction.on_commit(delete_files)


# --- Writing with the case's people: portal messages, the care team's reply, mail from the thread ---------------


class MessageRefused(Refusal):
    """A portal message refused; ``code`` lets the portal say why in the writer's language: "empty", "size",
    "rate", "id" (a client id that is not the writer's)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def check_write_to_contact(*, case: Case, by: User) -> None:
    """Staff who read the case's thread and hold the permission (care, liaison, the specialist, the nurse) write to
    its people: a reply in the portal, a mail."""
    require_perm(by, "conversations.write_to_contact", "write to the patient or their family")


def _client_id(client_id: str | uuid.UUID) -> uuid.UUID:
    try:
        return client_id if isinstance(client_id, uuid.UUID) else uuid.UUID(str(client_id))
    except ValueError:
        raise MessageRefused("id", "Each message needs its client id (a UUID); reload the page and send again.") from None


def _portal_body(body: str) -> str:
    body = body.replace("\r\n", "\n").strip()
    if not body:
        raise MessageRefused("empty", "An empty message is not sent.")
    limit = settings.PORTAL_MESSAGE_MAX_CHARS
    if len(body) > limit:
        raise MessageRefused("size", f"The message is too long: {len(body):,} characters, at most {limit:,}.")
    if "\x00" in body:
        raise MessageRefused("size", "The message holds a character that cannot be stored.")
    return body


def _sent_before(case: Case, wanted: uuid.UUID, by: User) -> Message | None:
    """The portal message already stored with this client id on the case: the writer's own (a double click, a
    retried post), else refused (another's id, forged or guessed, neither overwrites nor reveals their message)."""
    existing = Message.objects.filter(conversation__case=case, conversation__channel=Channel.PORTAL, client_id=wanted).first()
    if existing is not None and existing.author_id != by.pk:
        raise MessageRefused("id", "That message id is taken; reload the page and send again.")
    return existing


def _portal_conversation(case: Case) -> Conversation:
    """The case's one portal conversation (the patient, the helpers who read messages, the care team), made on
    first use. Call inside a transaction after locking the case: the lock orders its messages."""
    conversation = Conversation.objects.filter(case=case, channel=Channel.PORTAL).order_by("pk").first()
    if conversation is None:
        conversation = Conversation.objects.create(
            case=case, channel=Channel.PORTAL, contact_name=case.patient.full_name[: limits.NAME], contact_email=case.patient.email
        )
    return conversation


def _check_portal_rate(case: Case, by: User) -> None:
    limit = settings.PORTAL_MESSAGES_PER_HOUR
    sent = Message.objects.filter(
        case=case, channel=Channel.PORTAL, author=by, created_at__gte=timezone.now() - dt.timedelta(hours=1)
    ).count()
    if sent >= limit:
        raise MessageRefused(
            "rate", f"Too many messages: at most {limit} an hour. Your care team has the ones you sent; wait and write again."
        )


def _store_portal(
    *, case: Case, by: User, client_id: str | uuid.UUID, body: str, direction: str, rate: bool, **fields: str
) -> tuple[Message, bool]:
    wanted = _client_id(client_id)
    existing = _sent_before(case, wanted, by)
    if existing is not None:
        return existing, False
    body = _portal_body(body)
    now = timezone.now()
    try:
        with transaction.atomic():
            cases.lock_case(case.pk)
            existing = _sent_before(case, wanted, by)
            if existing is not None:
                return existing, False
            if rate:
                _check_portal_rate(case, by)
            conversation = _portal_conversation(case)
            message = Message.objects.create(
                conversation=conversation,
                case=case,
                channel=Channel.PORTAL,
                direction=direction,
                author=by,
                body=body,
                client_id=wanted,
                occurred_at=now,
                **fields,
            )
            Conversation.objects.filter(pk=conversation.pk).update(last_message_at=now)
            if direction == Direction.INBOUND:
                _tell_care_team(case, message)
    except IntegrityError:
        # The same client id posted twice at once (where the lock does not serialise): the other post stored it.
        existing = _sent_before(case, wanted, by)
        if existing is None:
            raise
        return existing, False
    return message, True


# The care team who answer portal messages, told that one came: the assigned specialist, the liaison officers and
# customer care (the roles with conversations.write_to_contact that work every case, or this one).
portal_message_in = notify.Notice("portal_message", patient=False, staff=(notify.SPECIALIST, "liaison", "care"))


def _tell_care_team(case: Case, message: Message) -> None:
    """Mail the care team, after commit, that a portal message came: once per burst. The notice is claimed as a
    ``cases.Reminder`` keyed by the last answer from the clinic on the thread (a portal reply, a mail, a logged
    contact out), so further messages before someone answers send nothing more; the next message after an answer
    starts a new burst. The mail names the case and links to its thread, never the words (mailboxes are less
    private than the console). Called inside the message's transaction, the case locked."""
    answer = (
        Message.objects.filter(case=case, direction=Direction.OUTBOUND, automatic=False)
        .exclude(pk=message.pk)
        .order_by("-pk")
        .values_list("pk", "created_at")
        .first()
    )
    since = timezone.localtime(answer[1] if answer else case.opened_at).date()
    if not cases.claim_notice(case=case, what=f"portal_message:{answer[0] if answer else 0}", since=since, today=clinic_today()):
        return
    thread = public_url(reverse("console:case", kwargs={"uuid": case.uuid}) + "#thread")
    role = message.author_role or "patient"
    notify.later(portal_message_in, case_id=case.pk, link=thread, who="the patient" if role == "patient" else f"the patient's {role}")


def post_portal_message(
    *, case: Case, by: User, role: str, on_behalf_of: str, client_id: str | uuid.UUID, body: str
) -> tuple[Message, bool]:
    """A message to the care team written in the portal by ``by`` (the patient, or a helper for the patient: who
    may is the portal's ``check_write_message``), as ``role`` on behalf of ``on_behalf_of`` (empty for the patient).

    Stored once per client id: a double click or a retried post returns the stored message (``False``) and counts
    nothing. Refused (``MessageRefused``, nothing written): empty, over ``PORTAL_MESSAGE_MAX_CHARS``, more than
    ``PORTAL_MESSAGES_PER_HOUR`` from this person on this case, another writer's client id."""
    label = (by.get_full_name() or by.email or by.get_username())[: limits.NAME]
    return _store_portal(
        case=case,
        by=by,
        client_id=client_id,
        body=body,
        direction=Direction.INBOUND,
        rate=True,
        author_label=label,
        contact=label,
        author_role=role[:16],
        on_behalf_of=on_behalf_of[: limits.NAME],
    )


def portal_readers(case: Case, people: list[contacts.CaseContact] | None = None) -> list[contacts.CaseContact]:
    """Who reads the case's messages in the portal today: the patient and the helpers granted messages
    (``people``: ``contacts.people_of(case)`` when the caller has read it already)."""
    return [p for p in (contacts.people_of(case) if people is None else people) if p.reads_messages and p.messages_url]


def check_reply_in_portal(*, case: Case, by: User, readers: list[contacts.CaseContact] | None = None) -> None:
    """Staff with the permission reply in the portal, once someone reads it (the patient invited)."""
    check_write_to_contact(case=case, by=by)
    if not (portal_readers(case) if readers is None else readers):
        raise Refusal("Nobody reads this case's messages in the portal yet: invite the patient, or write them a mail.")


def reply_in_portal(*, case: Case, by: User, client_id: str | uuid.UUID, body: str) -> tuple[Message, bool]:
    """The care team's message in the portal, to the patient (and the helpers who read messages), each told by a
    short mail of their own once it is stored. A retried post with the same client id is stored once."""
    check_reply_in_portal(case=case, by=by)
    message, new = _store_portal(
        case=case,
        by=by,
        client_id=client_id,
        body=body,
        direction=Direction.OUTBOUND,
        rate=False,
        author_label=(by.get_full_name() or by.get_username())[: limits.NAME],
        contact=case.patient.full_name[: limits.NAME],
    )
    if new:
        transaction.on_commit(lambda: send_portal_notices.enqueue(message_pk=message.pk))
    return message, new


@task
def send_portal_notices(*, message_pk: int) -> int:
    """Tell each reader of the case's portal messages that the care team wrote: one mail each, to them alone, in
    their own language, through ``cases.notify.mail_contact`` (the case's reply address, a Message-ID on the thread).

    The mail says only that there is a message and links to the portal, never what it says: mail is less private
    than the portal (it crosses servers we do not control, sits in shared inboxes, is forwarded); the words stay
    behind the sign-in. Returns the mails sent."""
    message = Message.objects.select_related("case__patient", "case__inquiry").get(pk=message_pk)
    case = message.case
    if case is None:
        return 0
    sent = 0
    for person in portal_readers(case):
        notify.mail_contact(
            case=case,
            to=person.email,
            template="email/portal_message_notice.txt",
            context={"name": person.name, "link": person.messages_url},
            language=person.language,
            automatic=True,
        )
        sent += 1
    return sent


# Mail from the thread: staff write to one of the case's people, in that person's language.


@dataclass(frozen=True)
class Recipient:
    email: str
    name: str
    language: str
    relation: str


def mail_recipients(case: Case, people: list[contacts.CaseContact] | None = None) -> list[Recipient]:
    """Whom staff may write to from the case's thread: the patient (their address on the case), then the people the
    registry names today (the portal's helpers; ``people`` when the caller has read them). One per address."""
    found: dict[str, Recipient] = {}
    if case.patient.email:
        found[case.patient.email.lower()] = Recipient(case.patient.email, case.patient.full_name, case_language(case), "patient")
    for person in contacts.people_of(case) if people is None else people:
        found.setdefault(person.email.lower(), Recipient(person.email, person.name, person.language, person.relation))
    return list(found.values())


def write_mail(*, case: Case, by: User, to: str, subject: str, body: str) -> Message:
    """A mail from a staff member to one of the case's people, addressed to them alone, in their language (the
    greeting and the closing; the words are the writer's), with the case's reply address and a Message-ID that
    their reply threads by. Stored on the thread at once; sent after commit by ``send_staff_mail``.

    Refused: an address that is not one of the case's people today, an empty or too long subject or text."""
    check_write_to_contact(case=case, by=by)
    recipient = next((r for r in mail_recipients(case) if r.email.lower() == to.strip().lower()), None)
    if recipient is None:
        raise Refusal("Write to the patient or to one of the people they let follow the case; that address is neither.")
    subject = " ".join(subject.split())  # one line: a header
    body = body.replace("\r\n", "\n").strip()
    if not subject:
        raise Refusal("Give the mail a subject.")
    if not body:
        raise Refusal("Write the mail's text.")
    limits.check_length(subject, limits.SHORT, "The subject")
    limits.check_length(body, limits.MESSAGE, "The text")
    with transaction.atomic():
        message = Message.objects.create(
            case=case,
            channel=Channel.EMAIL,
            direction=Direction.OUTBOUND,
            author=by,
            author_label=(by.get_full_name() or by.get_username())[: limits.NAME],
            contact=recipient.name[: limits.NAME],
            email_address=recipient.email,
            subject=subject,
            body=body,
            email_message_id=make_msgid(domain=settings.REPLY_DOMAIN),
            occurred_at=timezone.now(),
        )
        transaction.on_commit(lambda: send_staff_mail.enqueue(message_pk=message.pk, language=recipient.language))
    return message


@task
def send_staff_mail(*, message_pk: int, language: str) -> str:
    """Send a mail ``write_mail`` stored, with the Message-ID it was stored under (the thread holds it already)."""
    message = Message.objects.select_related("case__patient", "case__inquiry").get(pk=message_pk)
    sent: str = notify.mail_contact(
        case=message.case,
        to=message.email_address,
        template="email/staff_mail.txt",
        context={"subject": message.subject, "text": message.body, "writer": message.author_label},
        language=language,
        message_id=message.email_message_id,
    )
    return sent
