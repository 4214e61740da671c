"""Each role sees of a case exactly what the table in docs/design.md says, on the page and by direct URL.

The case is walked to follow-up so that every part has content: records with a
file, screening, plan, quote and payments, logistics, sessions, protocol,
outcome visits. For every role the test checks each panel is present or
absent, that the direct URLs of each part answer 200 or 403, that an outsider
and an unassigned specialist get 404, and that the timeline holds no event of
a part the role may not read.
"""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cellway.cases.events import PART_OF
from cellway.cases.models import CaseEvent
from cellway.cases.parts import Part
from cellway.cases.selectors import may_read
from cellway.cases.stages import Stage
from cellway.records import services as records

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)
# The table of docs/design.md: the parts each demo user reads (identity is everyone's in scope).
TABLE: dict[str, set[Part]] = {
    "carla": {Part.CONTACT, Part.INQUIRY, Part.RECORDS, Part.SCREENING, Part.MONEY, Part.TRAVEL},
    "liam": {Part.CONTACT, Part.INQUIRY, Part.RECORDS, Part.SCREENING, Part.PLAN, Part.TRAVEL, Part.TREATMENT, Part.OUTCOMES},
    "sofia": {Part.CONTACT, Part.INQUIRY, Part.RECORDS, Part.SCREENING, Part.PLAN, Part.MONEY, Part.TREATMENT, Part.OUTCOMES},
    "fiona": {Part.CONTACT, Part.MONEY},
    "marcus": {Part.CONTACT, Part.MONEY},
    "lena": {Part.CONTACT, Part.TRAVEL},
    "ivan": set(),
    "nina": {Part.CONTACT, Part.INQUIRY, Part.RECORDS, Part.SCREENING, Part.PLAN, Part.TRAVEL, Part.TREATMENT, Part.OUTCOMES},
}
# The panel (section id) that shows each part on the case page.
PANEL_OF = {
    Part.INQUIRY: 'id="thread"',
    Part.RECORDS: 'id="records"',
    Part.SCREENING: 'id="screening"',
    Part.PLAN: 'id="plan"',
    Part.MONEY: 'id="quote"',
    Part.TRAVEL: 'id="logistics"',
    Part.TREATMENT: 'id="sessions"',
}


@pytest.fixture
def followed(case_at, staff):
    from cellway.demo.journey import walk

    case = case_at(Stage.INQUIRY)
    item = case.record_items.get(kind="imaging")
    record = records.attach_file(item=item, upload=SimpleUploadedFile("scan.png", PNG), by=staff["carla"])
    return walk(case, Stage.FOLLOW_UP, staff), record


@pytest.mark.parametrize("username", sorted(TABLE))
def test_each_role_reads_exactly_its_parts_of_a_case(as_user, staff, followed, username):
    case, record = followed
    user = staff[username]
    assert {part for part in Part if part not in (Part.IDENTITY, Part.AUDIT) and may_read(user, part)} == TABLE[username]

    client = as_user(username)
    page = client.get(reverse("console:case", args=[case.uuid]))
    assert page.status_code == 200
    html = page.text
    assert case.patient.full_name in html  # identity: everyone in scope
    for part, marker in PANEL_OF.items():
        assert (marker in html) == (part in TABLE[username]), (username, part)
    assert (case.patient.email in html) == (Part.CONTACT in TABLE[username])
    assert ("Relapsing-remitting MS since 2019" in html) == (Part.INQUIRY in TABLE[username])

    direct = {
        Part.RECORDS: [reverse("records:file", args=[record.uuid]), reverse("records:download", args=[record.uuid])],
        Part.TREATMENT: [reverse("console:protocol", args=[case.uuid])],
        Part.OUTCOMES: [reverse("outcomes:patient", args=[case.uuid]), reverse("outcomes:fhir", args=[case.uuid])],
    }
    for part, urls in direct.items():
        for url in urls:
            expected = 200 if part in TABLE[username] else 403
            assert client.get(url).status_code == expected, (username, url)

    hidden = {kind for kind, part in PART_OF.items() if part not in TABLE[username] | {Part.IDENTITY}}
    timeline = next(panel for panel in page.context["aside"] if panel.key == "timeline")
    shown_kinds = {e.kind for e in timeline.context["events"]}
    assert not shown_kinds & hidden, (username, shown_kinds & hidden)


def test_the_administrator_has_no_patient_data(as_user, followed):
    case, record = followed
    client = as_user("adam")
    assert client.get(reverse("console:case", args=[case.uuid])).status_code == 404
    assert client.get(reverse("records:download", args=[record.uuid])).status_code == 404
    assert client.get(reverse("outcomes:patient", args=[case.uuid])).status_code == 404
    assert case.code not in client.get(reverse("console:cases")).text


@pytest.mark.parametrize("username", ["outsider", "daniel"])
def test_outside_ones_scope_every_part_is_404(as_user, followed, username):
    case, record = followed
    client = as_user(username)
    for url in [
        reverse("console:case", args=[case.uuid]),
        reverse("records:file", args=[record.uuid]),
        reverse("records:download", args=[record.uuid]),
        reverse("console:protocol", args=[case.uuid]),
        reverse("outcomes:patient", args=[case.uuid]),
        reverse("outcomes:fhir", args=[case.uuid]),
    ]:
        assert client.get(url).status_code == 404, url


def test_reading_medical_content_is_on_the_trail_once_per_person_and_subject(as_user, staff, followed):
    case, record = followed
    client = as_user("nina")
    for _ in range(3):
        client.get(reverse("console:case", args=[case.uuid]))
        client.get(reverse("console:protocol", args=[case.uuid]))
        client.get(reverse("outcomes:patient", args=[case.uuid]))
    reads = CaseEvent.objects.filter(case=case, kind="medical.read", actor=staff["nina"])
    assert sorted(reads.values_list("data__subject", flat=True)) == ["case-page", "outcomes", "protocol"]


def test_a_role_without_a_medical_part_leaves_no_read_on_the_trail(as_user, staff, followed):
    case, _ = followed
    as_user("fiona").get(reverse("console:case", args=[case.uuid]))
    assert not CaseEvent.objects.filter(case=case, kind="medical.read", actor=staff["fiona"]).exists()


def test_a_screening_verdicts_reason_is_not_shown_to_roles_that_do_not_read_screening(as_user, staff, case_at, password):
    from cellway.clinic import clinic_today
    from cellway.plans import services as plans
    from cellway.plans.models import Verdict

    case = case_at(Stage.ACCEPTED)
    result = plans.record_screening(case=case, by=staff["carla"], sample_date=clinic_today(), markers="CA 19-9 412 U/mL")
    plans.judge_screening(result=result, by=staff["sofia"], verdict=Verdict.UNSATISFACTORY, reason="CA 19-9 at 412 U/mL", password=password)

    for who, shown in [("sofia", True), ("liam", True), ("fiona", False), ("lena", False), ("ivan", False)]:
        html = as_user(who).get(reverse("console:case", args=[case.uuid])).text
        assert ("CA 19-9 at 412 U/mL" in html) == shown, who
        assert "This case ended as refused." in html
        # Everyone in scope still sees that the case moved, without the medical detail.
        assert ("Awaiting screening → Refused" in html) == (not shown), who
