"""Messages with the care team in Chromium: the patient writes in the portal (English, Chinese, Arabic), care sees it
on the case's thread waiting on them and replies from the case page, the patient is mailed a link (not the words)
and reads the reply in the portal. The portal pages pass axe-core and fit a phone; the staff forms fit a phone."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from cellway.cases.stages import Stage
from cellway.console.tests.browser import (
    browser,
    browser_db,
    button,
    checked_page,
    click_and_wait,
    fits,
    form,
    messages,
    open_details,
    screenshot,
    section,
    sign_in,
    submit,
    type_into,
    visit,
)
from cellway.conversations.models import Channel, Direction, Message
from cellway.portal.tests.browser import sign_in_by_code

__all__ = ["browser"]

pytestmark = [pytest.mark.browser, browser_db]

WORDS = {
    "en": {"heading": "Messages with your care team", "sent": "Your message is with your care team", "dir": "ltr"},
    "zh-hans": {"heading": "与护理团队的消息", "sent": "您的消息已送达护理团队", "dir": "ltr"},
    "ar": {"heading": "الرسائل مع فريق الرعاية", "sent": "وصلت رسالتك إلى فريق الرعاية", "dir": "rtl"},
}
QUESTION = {"en": "Can my daughter come with me?", "zh-hans": "我女儿可以陪我来吗？", "ar": "هل يمكن لابنتي أن ترافقني؟"}


@pytest.mark.parametrize("language", ["en", "zh-hans", "ar"])
def test_the_patient_writes_care_replies_from_the_case_page_and_the_patient_reads_it(
    browser: WebDriver, live_server: Any, case_at: Any, staff: dict[str, Any], language: str
) -> None:
    from cellway.portal.services import invite_patient, set_language

    case = case_at(Stage.QUOTED)
    patient = invite_patient(case=case, by=staff["carla"]).person
    set_language(person=patient, language=language)
    words = WORDS[language]
    d = browser

    sign_in_by_code(d, live_server, patient.email, language)
    assert d.current_url.endswith(f"/portal/cases/{case.uuid}/")
    assert d.execute_script("return document.documentElement.dir") == words["dir"]
    assert words["heading"] in section(d, "messages").text
    checked_page(d, f"portal-{language}-messages-empty", words["dir"])
    d.find_element(By.ID, "message-body").send_keys(QUESTION[language])
    click_and_wait(d, "#messages button[type=submit]")
    assert any(words["sent"] in m for m in messages(d))
    assert QUESTION[language] in section(d, "messages").text
    checked_page(d, f"portal-{language}-messages-sent", words["dir"])
    assert Message.objects.filter(case=case, channel=Channel.PORTAL, direction=Direction.INBOUND).count() == 1

    sign_in(d, live_server, "carla")
    visit(d, live_server, f"/cases/{case.uuid}/")
    thread = section(d, "thread")
    assert "The care team owes a reply" in thread.text and QUESTION[language] in thread.text
    reply = form(d, "portal-reply")
    open_details(d, reply)
    mail_form = form(d, "write-mail")
    open_details(d, mail_form)
    screenshot(d, f"case-thread-forms-{language}")
    fits(d)
    type_into(reply.find_element(By.NAME, "body"), "Yes: one companion stays with you; we book the room for two.")
    mail.outbox.clear()
    submit(d, button(reply, "Post the reply"))
    assert any("Reply posted in the portal" in m for m in messages(d))
    assert "Waiting on the patient's side" in section(d, "thread").text
    (notice,) = [m for m in mail.outbox if m.to == [patient.email]]
    assert "one companion" not in notice.body and f"/portal/cases/{case.uuid}/#messages" in notice.body

    sign_in_by_code(d, live_server, patient.email, language)
    entries = section(d, "messages").find_elements(By.CSS_SELECTOR, "ol.thread > li")
    # Newest last: the quote's mail to the patient, the question, the reply.
    assert QUESTION[language] in entries[-2].text and "one companion" in entries[-1].text
    checked_page(d, f"portal-{language}-messages-reply", words["dir"])
