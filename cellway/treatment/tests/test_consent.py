"""Informed consent (rule 10): versioned forms, recorded with its scan before the first session, withdrawal stops what remains."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cellway.cases.models import Case
from cellway.cases.stages import Stage
from cellway.clinic import clinic_today
from cellway.demo.journey import ensure_consent_documents, give_consent
from cellway.errors import NotAllowed, Refusal, StageConflict
from cellway.records.models import Blob, RecordFile
from cellway.treatment import services as treatment
from cellway.treatment.models import Consent, ConsentDocument, ConsentWithdrawal, TreatmentSession

PDF = b"%PDF-1.4\n" + b"Signed: Patient, witness, physician. " * 10


def scan(name="consent.pdf", content=PDF):
    return SimpleUploadedFile(name, content)


def form(therapy="cells", language="Portuguese", version=1):
    ensure_consent_documents()
    return ConsentDocument.objects.get(therapy=therapy, language=language, version=version)


def consent(case, staff, *, therapy="cells", document=None, signed_on=None, who="nina", taken_by="sofia", **kw):
    return treatment.record_consent(
        case=case,
        by=staff[who],
        document=document or form(therapy),
        signed_on=signed_on or clinic_today(),
        taken_by=staff[taken_by],
        scan=kw.pop("upload", None) or scan(),
        **kw,
    )


def written(case):
    fresh = Case.objects.get(pk=case.pk)
    return (
        fresh.version,
        fresh.events.count(),
        Consent.objects.filter(case=case).count(),
        ConsentWithdrawal.objects.count(),
        RecordFile.objects.filter(item__case=case).count(),
        Blob.objects.count(),
        TreatmentSession.objects.filter(case=case).count(),
    )


def session(case, staff):
    return treatment.log_session(case=case, by=staff["nina"], kind="physio", day=clinic_today(), given="Gait training")


@pytest.fixture
def arrived(case_at):
    """Arrived, paid in full; the signed plan has intravenous and intrathecal infusions. No consent yet."""
    return case_at(Stage.ARRIVED)


def test_no_session_starts_without_consent_and_the_panel_asks_the_same_check(arrived, staff):
    before = written(arrived)

    with pytest.raises(Refusal) as refused:
        session(arrived, staff)

    message = "No informed consent to investigational cell therapy (wjMSCs) is recorded: no session starts without it."
    assert refused.value.message == message
    assert written(arrived) == before
    with pytest.raises(Refusal) as asked:
        treatment.check_log_session(case=arrived, by=staff["nina"])
    assert asked.value.message == message


def test_each_planned_therapy_needs_its_consent_then_sessions_start(arrived, staff):
    consent(arrived, staff, therapy="cells")
    with pytest.raises(Refusal) as refused:
        session(arrived, staff)
    assert refused.value.message == (
        "No informed consent to intrathecal administration (lumbar puncture) is recorded: no session starts without it."
    )

    consent(arrived, staff, therapy="intrathecal")
    session(arrived, staff)

    assert Case.objects.get(pk=arrived.pk).stage == Stage.IN_TREATMENT


def test_a_consent_keeps_its_version_its_text_digest_its_scan_who_took_it_and_is_on_the_trail(arrived, staff):
    document = form()

    given = consent(arrived, staff, document=document, witness="Rui Silva (husband)", interpreter="  ")

    assert (given.therapy, given.document, given.document_sha256) == ("cells", document, document.sha256)
    assert (given.taken_by, given.recorded_by, given.witness, given.interpreter) == (
        staff["sofia"],
        staff["nina"],
        "Rui Silva (husband)",
        "",
    )
    assert given.scan.item.kind == "consent" and given.scan.original_name == "consent.pdf"
    event = arrived.events.first()
    assert event.kind == "consent"
    assert event.summary == (
        f"Consent to investigational cell therapy (wjMSCs) signed on {clinic_today():%d %b %Y} "
        f"({document}), taken by {staff['sofia']}, witness Rui Silva (husband)"
    )
    assert event.data["sha256"] == document.sha256


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (scan("consent.txt", b"I agree " * 20), "consent.txt is a plain text file; we accept PDF, JPEG or PNG for signed consent forms."),
        (scan("consent.pdf", b"MZ\x90\x00" + bytes(200)), "consent.pdf"),
        (scan("empty.pdf", b""), "empty.pdf"),
    ],
)
def test_a_scan_the_records_intake_refuses_refuses_the_consent_and_nothing_is_stored(arrived, staff, upload, message):
    before = written(arrived)

    with pytest.raises(Refusal) as refused:
        consent(arrived, staff, upload=upload)

    assert message in refused.value.message
    assert written(arrived) == before


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"signed_on": "tomorrow"}, "A consent cannot be signed on a day that has not come."),
        ({"signed_on": dt.date(2025, 12, 31)}, "Version 1 took effect on 01 Jan 2026: a form signed on 31 Dec 2025 was another version."),
        (
            {"document": ("cells", "English")},
            "The form is in English and the patient's language is Portuguese: name the interpreter who translated it.",
        ),
        ({"taken_by": "lena"}, "Lena Logistics does not take informed consent (a specialist or a nurse does)."),
        ({"witness": "W" * 201}, "The witness's name is too long: 201 characters, at most 200."),
        ({"upload": "none"}, "Attach the scan of the signed form."),
    ],
)
def test_bad_consent_input_is_refused_with_a_clear_message_and_nothing_written(arrived, staff, change, message):
    kw = dict(change)
    if kw.get("signed_on") == "tomorrow":
        kw["signed_on"] = clinic_today() + dt.timedelta(days=1)
    if "document" in kw:
        kw["document"] = form(*kw["document"])
    if kw.get("upload") == "none":
        kw.pop("upload")
        before = written(arrived)
        with pytest.raises(Refusal) as refused:
            treatment.record_consent(
                case=arrived, by=staff["nina"], document=form(), signed_on=clinic_today(), taken_by=staff["sofia"], scan=None
            )
    else:
        before = written(arrived)
        with pytest.raises(Refusal) as refused:
            consent(arrived, staff, **kw)
    assert refused.value.message.replace("Lena Logistics", str(staff["lena"])) == message.replace("Lena Logistics", str(staff["lena"]))
    assert written(arrived) == before


def test_a_form_in_another_language_is_taken_with_the_interpreter_named(arrived, staff):
    given = consent(arrived, staff, document=form("cells", "English"), interpreter="Marta Costa")

    assert given.interpreter == "Marta Costa"
    assert "interpreter Marta Costa" in arrived.events.first().summary


def test_a_retired_version_is_not_taken_and_a_newer_version_replaces_the_one_held(arrived, staff):
    first = form()
    consent(arrived, staff, document=first)
    ConsentDocument.objects.filter(pk=first.pk).update(retired=True)
    before = written(arrived)
    with pytest.raises(Refusal) as refused:
        consent(arrived, staff, document=first)
    assert refused.value.message == f"{first} is retired: use the current version of the form."
    assert written(arrived) == before

    second = ConsentDocument.objects.create(
        therapy="cells", language="Portuguese", version=2, title="v2", text=first.text + " More.", effective_from=dt.date(2026, 6, 1)
    )
    again = consent(arrived, staff, document=second)

    assert again.document == second
    assert Consent.objects.filter(case=arrived, therapy="cells").count() == 2


def test_recording_the_same_consent_twice_is_refused_as_already_done(arrived, staff):
    consent(arrived, staff)
    before = written(arrived)

    with pytest.raises(StageConflict) as refused:
        consent(arrived, staff)

    assert refused.value.message.startswith(
        f"Consent to investigational cell therapy (wjMSCs) on version 1 was already recorded by {staff['nina']} at "
    )
    assert written(arrived) == before


def test_only_a_specialist_or_nurse_records_consent_and_only_before_treatment_ends(arrived, staff, case_at):
    with pytest.raises(NotAllowed):
        consent(arrived, staff, who="lena")
    follow_up = case_at(Stage.FOLLOW_UP)
    with pytest.raises(StageConflict):
        consent(follow_up, staff, therapy="cells")


def test_withdrawal_is_recorded_on_the_trail_and_stops_every_session_that_remains(arrived, staff):
    give_consent(arrived, staff)
    session(arrived, staff)
    held = Consent.objects.get(case=arrived, therapy="intrathecal")

    withdrawal = treatment.withdraw_consent(consent=held, by=staff["nina"], withdrawn_on=clinic_today(), reason="  Afraid of the puncture ")

    assert (withdrawal.reason, withdrawal.recorded_by) == ("Afraid of the puncture", staff["nina"])
    event = arrived.events.first()
    assert (event.kind, event.reason) == ("consent.withdrawn", "Afraid of the puncture")
    before = written(arrived)
    with pytest.raises(Refusal) as refused:
        session(arrived, staff)
    assert refused.value.message == (
        f"The patient withdrew consent to intrathecal administration (lumbar puncture) on "
        f"{clinic_today():%d %b %Y}: nothing that remains is given without a new consent."
    )
    assert written(arrived) == before

    # A new consent, freely given again, lets treatment go on.
    consent(arrived, staff, therapy="intrathecal")
    session(arrived, staff)


@pytest.mark.parametrize(
    ("reason", "day", "message"),
    [
        ("   ", 0, "Write what the patient said, or why consent was withdrawn."),
        ("Changed her mind", 1, "A withdrawal cannot be recorded for a day that has not come."),
        ("Changed her mind", -1, "is before the consent was signed"),
    ],
)
def test_bad_withdrawals_are_refused_and_nothing_written(arrived, staff, reason, day, message):
    held = consent(arrived, staff)
    before = written(arrived)

    with pytest.raises(Refusal) as refused:
        treatment.withdraw_consent(consent=held, by=staff["nina"], withdrawn_on=clinic_today() + dt.timedelta(days=day), reason=reason)

    assert message in refused.value.message
    assert written(arrived) == before


def test_a_consent_is_withdrawn_once(arrived, staff):
    held = consent(arrived, staff)
    treatment.withdraw_consent(consent=held, by=staff["nina"], withdrawn_on=clinic_today(), reason="Changed her mind")
    before = written(arrived)

    with pytest.raises(StageConflict) as refused:
        treatment.withdraw_consent(consent=held, by=staff["sofia"], withdrawn_on=clinic_today(), reason="Again")

    assert refused.value.message == f"This consent was already withdrawn on {clinic_today():%d %b %Y}."
    assert written(arrived) == before


# --- On the case page ------------------------------------------------------------------------------


def act(name, case):
    return reverse(f"console:act-{name}", kwargs={"uuid": case.uuid})


def test_the_nurse_records_consent_on_the_case_page_and_a_bad_scan_comes_back_with_the_message(as_user, arrived, staff):
    client = as_user("nina")
    page = client.get(reverse("console:case", args=[arrived.uuid])).content.decode()
    assert "Informed consent" in page and "No informed consent to investigational cell therapy (wjMSCs) is recorded" in page
    data = {"document": form().pk, "signed_on": clinic_today().isoformat(), "taken_by": staff["sofia"].pk, "witness": "Rui Silva"}

    refused = client.post(act("consent", arrived), {**data, "scan": scan("consent.txt", b"I agree " * 20)})
    assert refused.status_code == 422
    assert "consent.txt is a plain text file; we accept PDF, JPEG or PNG for signed consent forms." in refused.content.decode()
    assert 'value="Rui Silva"' in refused.content.decode()  # what was typed is kept
    assert not Consent.objects.filter(case=arrived).exists()

    assert client.post(act("consent", arrived), {**data, "scan": scan()}).status_code == 302
    page = client.get(reverse("console:case", args=[arrived.uuid])).content.decode()
    assert "Rui Silva" in page and "Valid" in page and "No informed consent to intrathecal administration" in page


def test_the_withdrawal_form_and_a_forged_consent_from_another_case(as_user, arrived, staff, case_at):
    other = case_at(Stage.ARRIVED)
    theirs = consent(other, staff)
    mine = consent(arrived, staff)
    client = as_user("nina")
    data = {"withdrawn_on": clinic_today().isoformat(), "reason": "Changed her mind"}

    forged = client.post(act("consent-withdraw", arrived), {**data, "consent": theirs.uuid})
    assert forged.status_code == 422 and "That consent is not part of this case." in forged.content.decode()
    assert not ConsentWithdrawal.objects.exists()

    assert client.post(act("consent-withdraw", arrived), {**data, "consent": mine.uuid}).status_code == 302
    assert ConsentWithdrawal.objects.get().consent == mine


def test_roles_without_the_treatment_part_neither_see_nor_record_consent(as_user, arrived, staff):
    consent(arrived, staff)
    for who, status in (("fiona", 403), ("lena", 403)):
        client = as_user(who)
        assert "Informed consent" not in client.get(reverse("console:case", args=[arrived.uuid])).content.decode()
        response = client.post(
            act("consent", arrived),
            {"document": form().pk, "signed_on": clinic_today().isoformat(), "taken_by": staff["sofia"].pk, "scan": scan()},
        )
        assert response.status_code == status, who
    assert Consent.objects.filter(case=arrived).count() == 1


def test_the_administrator_can_only_retire_a_form_a_patient_has_signed(client, staff, arrived):
    document = form()
    admin_user = staff["adam"]
    client.force_login(admin_user)
    url = reverse("admin:treatment_consentdocument_change", args=[document.pk])
    assert b'name="text"' in client.get(url).content
    consent(arrived, staff, document=document)

    page = client.get(url).content.decode()
    assert 'name="text"' not in page and 'name="retired"' in page
    client.post(url, {"retired": "on", "text": "Something else entirely"})
    document.refresh_from_db()
    assert document.retired and document.text != "Something else entirely"
    assert client.get(reverse("admin:treatment_consentdocument_delete", args=[document.pk])).status_code == 403
