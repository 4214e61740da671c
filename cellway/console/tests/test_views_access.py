"""Every console view with a user allowed, a user of another role, and an outsider.

Out of scope is 404 (even existence is not revealed); in scope but not allowed is 403.
"""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cellway.cases.models import CaseEvent
from cellway.cases.stages import Stage
from cellway.records import services as records


def test_anonymous_visitors_are_sent_to_sign_in(client, db):
    for url in [reverse("console:cases"), reverse("console:new_inquiry")]:
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("account_login"))


def test_home_shows_each_role_its_queues(as_user, staff):
    assert "Waiting for a specialist" in as_user("liam").get(reverse("console:home")).text
    nurse_home = as_user("nina").get(reverse("console:home")).text
    assert "At the clinic" in nurse_home and "Waiting for a specialist" not in nurse_home


def test_home_tells_an_outsider_they_have_no_role(as_user):
    assert "no clinic role" in as_user("outsider").get(reverse("console:home")).text


def test_the_triage_queue_is_the_liaison_officers(as_user, case_at):
    case = case_at(Stage.TRIAGE)
    url = reverse("console:queue", args=["triage"])
    assert case.code in as_user("liam").get(url).text
    assert as_user("nina").get(url).status_code == 403
    assert as_user("outsider").get(url).status_code == 403
    assert as_user("liam").get(reverse("console:queue", args=["nonsense"])).status_code == 404


def test_a_specialist_queue_lists_only_their_own_cases(as_user, case_at, staff):
    mine = case_at(Stage.REVIEW)  # assigned to sofia by the walker
    page = as_user("daniel").get(reverse("console:queue", args=["review"])).text
    assert mine.code not in page
    assert mine.code in as_user("sofia").get(reverse("console:queue", args=["review"])).text


def test_case_list_is_scoped(as_user, case_at):
    case = case_at(Stage.REVIEW)
    assert case.code in as_user("carla").get(reverse("console:cases")).text
    assert case.code not in as_user("daniel").get(reverse("console:cases")).text
    assert case.code not in as_user("outsider").get(reverse("console:cases")).text


def test_case_list_searches_by_code_and_name(as_user, case_at):
    case = case_at(Stage.INQUIRY)
    client = as_user("carla")
    assert case.code in client.get(reverse("console:cases"), {"q": case.patient.full_name}).text
    assert case.code not in client.get(reverse("console:cases"), {"q": "nobody-by-that-name"}).text


def test_case_page_access(as_user, case_at):
    case = case_at(Stage.REVIEW)
    url = reverse("console:case", args=[case.uuid])
    assert as_user("sofia").get(url).status_code == 200  # assigned specialist
    assert as_user("nina").get(url).status_code == 200  # another role: may look
    assert as_user("daniel").get(url).status_code == 404  # specialist, not assigned
    assert as_user("outsider").get(url).status_code == 404


def test_new_inquiry_is_for_care_and_liaison(as_user):
    url = reverse("console:new_inquiry")
    assert as_user("carla").get(url).status_code == 200
    assert as_user("nina").get(url).status_code == 403
    assert as_user("outsider").get(url).status_code == 403


def test_recording_an_inquiry_opens_a_case_with_a_checklist(as_user, staff):
    from cellway.cases.models import Case, Condition

    response = as_user("carla").post(
        reverse("console:new_inquiry"),
        {
            "full_name": "Noor Haddad",
            "country": "Jordan",
            "language": "Arabic",
            "email": "noor@example.com",
            "condition": Condition.objects.get(code="ms").pk,
            "source": "chat",
            "message": "Diagnosed 2021",
        },
    )
    case = Case.objects.get(patient__full_name="Noor Haddad")
    assert response.status_code == 302 and response.url == reverse("console:case", args=[case.uuid])
    assert case.code.startswith("CW-") and case.stage == Stage.INQUIRY
    assert case.record_items.count() == 4


def test_an_action_is_403_for_a_role_that_may_see_but_not_act_and_404_for_an_outsider(as_user, case_at, staff):
    case = case_at(Stage.TRIAGE)
    url = reverse("console:act-assign", args=[case.uuid])
    data = {"specialist": staff["sofia"].pk, "reason": "expertise"}
    assert as_user("nina").post(url, data).status_code == 403
    assert as_user("outsider").post(url, data).status_code == 404
    case.refresh_from_db()
    assert case.stage == Stage.TRIAGE and case.specialist is None
    response = as_user("liam").post(url, data)
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.stage == Stage.REVIEW and case.specialist == staff["sofia"]


def test_opening_an_action_address_shows_the_case_and_changes_nothing(as_user, case_at):
    case = case_at(Stage.TRIAGE)
    response = as_user("liam").get(reverse("console:act-assign", args=[case.uuid]))
    assert response.status_code == 302 and response.url == reverse("console:case", args=[case.uuid])
    case.refresh_from_db()
    assert case.stage == Stage.TRIAGE
    assert as_user("outsider").get(reverse("console:act-assign", args=[case.uuid])).status_code == 404


def test_a_refused_form_puts_the_case_address_back_in_the_bar(as_user, case_at):
    case = case_at(Stage.REVIEW)
    response = as_user("sofia").post(reverse("console:act-plan-sign", args=[case.uuid]), {"password": "x"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 422
    assert response["HX-Replace-Url"] == reverse("console:case", args=[case.uuid])


def test_every_field_on_the_case_page_has_its_own_id(as_user, case_at):
    import re
    from collections import Counter

    case = case_at(Stage.TRIAGE)
    page = as_user("liam").get(reverse("console:case", args=[case.uuid])).text
    ids = Counter(re.findall(r'\sid="([^"]+)"', page))
    assert ids and not [i for i, n in ids.items() if n > 1]


def test_a_refusal_is_shown_with_what_was_typed_and_nothing_is_written(as_user, case_at, staff):
    case = case_at(Stage.REVIEW)
    before = CaseEvent.objects.filter(case=case).exclude(kind="medical.read").count()
    response = as_user("sofia").post(reverse("console:act-plan-sign", args=[case.uuid]), {"password": "x"})
    assert response.status_code == 422
    assert "There is no draft plan to sign." in response.text
    assert CaseEvent.objects.filter(case=case).exclude(kind="medical.read").count() == before


def test_a_stale_form_says_someone_else_acted_first(as_user, case_at, staff):
    case = case_at(Stage.TRIAGE)
    client = as_user("liam")
    client.post(reverse("console:act-assign", args=[case.uuid]), {"specialist": staff["sofia"].pk, "reason": "first"})
    response = client.post(
        reverse("console:act-end", args=[case.uuid]), {"ending": "withdrawn", "reason": "duplicate", "version": case.version}
    )
    assert response.status_code == 422
    assert "Reload the page" in response.text
    case.refresh_from_db()
    assert case.stage == Stage.REVIEW


def test_record_downloads_are_scoped_and_every_read_is_on_the_trail(as_user, case_at, staff):
    case = case_at(Stage.INQUIRY)
    item = case.record_items.get(kind="hematology")
    record = records.attach_file(item=item, upload=SimpleUploadedFile("cbc.pdf", b"%PDF-1.4 blood", "application/pdf"), by=staff["carla"])
    url = reverse("console:record_file", args=[record.uuid])
    response = as_user("liam").get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 blood"
    assert response["Content-Disposition"].startswith("attachment")
    read = CaseEvent.objects.filter(case=case, kind="medical.read").get()
    assert read.actor == staff["liam"]
    assert as_user("daniel").get(url).status_code == 404
    assert as_user("outsider").get(url).status_code == 404
    assert CaseEvent.objects.filter(case=case, kind="medical.read").count() == 1


def test_protocol_document_is_scoped(as_user, case_at):
    case = case_at(Stage.FOLLOW_UP)
    url = reverse("console:protocol", args=[case.uuid])
    page = as_user("sofia").get(url)
    assert page.status_code == 200 and "Post-treatment protocol" in page.text
    assert as_user("nina").get(url).status_code == 200
    assert as_user("daniel").get(url).status_code == 404
    assert as_user("outsider").get(url).status_code == 404
    early = case_at(Stage.REVIEW)
    assert as_user("sofia").get(reverse("console:protocol", args=[early.uuid])).status_code == 404


def test_every_action_has_its_own_url_apart_from_the_pages(db):
    from django.urls import resolve

    from cellway.console.urls import ACTIONS

    for name in ACTIONS:
        path = reverse(f"console:act-{name}", args=["00000000-0000-0000-0000-000000000000"])
        assert resolve(path).url_name == f"act-{name}", f"{path} is answered by another view"


def test_the_payment_form_suggests_the_deposit_received_today(as_user, case_at):
    from cellway.billing.selectors import accepted_quote
    from cellway.clinic import clinic_today

    case = case_at(Stage.SCHEDULED)
    page = as_user("fiona").get(reverse("console:case", args=[case.uuid])).text
    assert f'value="{clinic_today().isoformat()}"' in page
    assert f'value="{accepted_quote(case).deposit}"' in page


def test_a_reassignment_from_a_stale_tab_is_refused_with_who_and_when(as_user, case_at, staff, client):
    """Liam's page still shows Sofia; meanwhile the case went to Daniel: Liam's form is refused, not applied."""
    from cellway.cases import services as cases

    case = case_at(Stage.REVIEW)  # assigned to sofia
    seen = case.specialist_id
    cases.assign_case(case=case, specialist=staff["daniel"], by=staff["liam"], reason="Sofia is away")
    before = CaseEvent.objects.filter(case=case).exclude(kind="medical.read").count()

    response = as_user("liam").post(
        reverse("console:act-assign", args=[case.uuid]),
        {"specialist": staff["sofia"].pk, "reason": "Back from leave", "seen": seen},
    )

    assert response.status_code == 422
    assert "is assigned to Daniel Weiss (changed by Liam Okafor at" in response.text and "Reload the page." in response.text
    case.refresh_from_db()
    assert case.specialist == staff["daniel"]
    assert CaseEvent.objects.filter(case=case).exclude(kind="medical.read").count() == before


def test_amounts_show_thousands_separators(as_user, case_at):
    case = case_at(Stage.QUOTED)
    page = as_user("fiona").get(reverse("console:case", args=[case.uuid])).text
    total = case.quotes.get().total
    assert total >= 1000
    assert f"{total:,.2f}" in page and f">{total} " not in page


def test_a_refused_form_is_shown_open_with_the_message_beside_it(as_user, case_at):
    case = case_at(Stage.IN_TREATMENT)
    response = as_user("nina").post(reverse("console:act-end", args=[case.uuid]), {"ending": "withdrawn", "reason": "x", "version": 1})
    # The nurse may not end a case: 403; a liaison officer with a stale version is refused beside the form.
    assert response.status_code == 403
    response = as_user("liam").post(
        reverse("console:act-end", args=[case.uuid]), {"ending": "withdrawn", "reason": "Lost contact", "version": 1}
    )
    assert response.status_code == 422
    html = response.text
    end = html[html.index('id="end"') :]
    assert "<details open>" in end[:200] and 'class="refusal" role="alert"' in end and "Reload the page." in end


def test_a_long_timeline_shows_the_latest_events_and_the_rest_on_demand(as_user, case_at, staff):
    from cellway.cases import services as cases
    from cellway.console.cases.panels import TIMELINE_LATEST

    case = case_at(Stage.TRIAGE)
    for n in range(TIMELINE_LATEST + 5):
        cases.record_event(case=case, by=staff["carla"], kind="note", summary=f"Called the family (call {n})")
    url = reverse("console:case", args=[case.uuid])

    page = as_user("liam").get(url).text
    assert f"call {TIMELINE_LATEST + 4})" in page and "(call 0)" not in page
    assert "Show the whole timeline" in page
    whole = as_user("liam").get(url, {"timeline": "all"}).text
    assert "(call 0)" in whole and "Case opened from" in whole and "Show the whole timeline" not in whole
