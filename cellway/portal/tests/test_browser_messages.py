"""Messages with the care team in Chromium: the patient writes in the portal (English, Chinese, Arabic), care sees it
on the case's thread waiting on them and replies from the case page, the patient is mailed a link (not the words)
and reads the reply in the portal. The portal pages pass axe-core and fit a phone; the staff forms fit a phone.

The helpers below are copied from test_browser_home.py / test_browser_portal.py on purpose (their boilerplate is
being refactored elsewhere): this file depends only on the shared browser module and axe."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions as ec

from cellway.cases.stages import Stage
from cellway.console.tests.browser import (
    PHONE,
    browser,
    browser_db,
    button,
    form,
    messages,
    open_details,
    overflows,
    screenshot,
    section,
    sign_in,
    submit,
    type_into,
    visit,
    wait,
    widest_elements,
)
from cellway.conversations.models import Channel, Direction, Message
from cellway.site.tests.axe import axe_violations

__all__ = ["browser"]

pytestmark = [pytest.mark.browser, browser_db]

WORDS = {
    "en": {"heading": "Messages with your care team", "sent": "Your message is with your care team", "dir": "ltr"},
    "zh-hans": {"heading": "与护理团队的消息", "sent": "您的消息已送达护理团队", "dir": "ltr"},
    "ar": {"heading": "الرسائل مع فريق الرعاية", "sent": "وصلت رسالتك إلى فريق الرعاية", "dir": "rtl"},
}
QUESTION = {"en": "Can my daughter come with me?", "zh-hans": "我女儿可以陪我来吗？", "ar": "هل يمكن لابنتي أن ترافقني؟"}


def _click_and_wait(driver: WebDriver, css: str) -> None:
    old = driver.find_element(By.TAG_NAME, "html")
    element = driver.find_element(By.CSS_SELECTOR, css)
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
    element.click()
    wait(driver).until(ec.staleness_of(old))
    wait(driver).until(lambda d: d.execute_script("return document.readyState") == "complete")


def _checked(driver: WebDriver, name: str) -> None:
    assert axe_violations(driver) == [], name
    size = driver.get_window_size()
    driver.set_window_size(*PHONE)
    assert not overflows(driver), widest_elements(driver)
    driver.set_window_size(size["width"], size["height"])
    screenshot(driver, name)


def _sign_in_by_code(driver: WebDriver, live_server: Any, email: str, language: str) -> None:
    driver.delete_all_cookies()
    visit(driver, live_server, f"/portal/sign-in/?lang={language}")
    driver.find_element(By.ID, "id_email").send_keys(email)
    mail.outbox.clear()
    _click_and_wait(driver, "main form button[type=submit]")
    sent = [m for m in mail.outbox if m.to == [email]]
    code = re.search(r"\b([A-Z0-9]{4}-[A-Z0-9]{4})\b", sent[0].body)
    assert code, sent[0].body
    driver.find_element(By.ID, "id_code").send_keys(code.group(1))
    _click_and_wait(driver, "main form button[type=submit]")


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

    _sign_in_by_code(d, live_server, patient.email, language)
    assert d.current_url.endswith(f"/portal/cases/{case.uuid}/")
    assert d.execute_script("return document.documentElement.dir") == words["dir"]
    assert words["heading"] in section(d, "messages").text
    _checked(d, f"portal-{language}-messages-empty")
    d.find_element(By.ID, "message-body").send_keys(QUESTION[language])
    _click_and_wait(d, "#messages button[type=submit]")
    assert any(words["sent"] in m for m in messages(d))
    assert QUESTION[language] in section(d, "messages").text
    _checked(d, f"portal-{language}-messages-sent")
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
    for width in (1280, 375):
        d.set_window_size(width, 900)
        assert not overflows(d), widest_elements(d)
    d.set_window_size(1280, 900)
    type_into(reply.find_element(By.NAME, "body"), "Yes: one companion stays with you; we book the room for two.")
    mail.outbox.clear()
    submit(d, button(reply, "Post the reply"))
    assert any("Reply posted in the portal" in m for m in messages(d))
    assert "Waiting on the patient's side" in section(d, "thread").text
    (notice,) = [m for m in mail.outbox if m.to == [patient.email]]
    assert "one companion" not in notice.body and f"/portal/cases/{case.uuid}/#messages" in notice.body

    _sign_in_by_code(d, live_server, patient.email, language)
    entries = section(d, "messages").find_elements(By.CSS_SELECTOR, "ol.thread > li")
    # Newest last: the quote's mail to the patient, the question, the reply.
    assert QUESTION[language] in entries[-2].text and "one companion" in entries[-1].text
    _checked(d, f"portal-{language}-messages-reply")
