"""The case page's one thread in a real browser: an emailed reply (a signed Mailgun post) and a phone call care
logs through the form, newest first, with whom the thread waits on; at desktop and phone widths."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from cellway.cases.reply_address import reply_address
from cellway.cases.stages import Stage
from cellway.console.tests.browser import (
    browser,  # noqa: F401 - a fixture
    browser_db,
    button,
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
from cellway.conversations.models import Message
from cellway.conversations.tests.mailgun import PDF, mail, post

pytestmark = [pytest.mark.browser, browser_db]


def test_care_sees_an_emailed_reply_and_logs_a_call_on_the_cases_thread(
    browser: WebDriver,  # noqa: F811
    live_server: Any,
    staff: dict[str, Any],
    case_at: Any,
    settings: Any,
) -> None:
    from cellway.conversations.tests.mailgun import SIGNING_KEY

    settings.ANYMAIL = {"MAILGUN_WEBHOOK_SIGNING_KEY": SIGNING_KEY}
    case = case_at(Stage.TRIAGE)
    answer = mail(
        sender=f"Patient <{case.patient.email}>",
        to=reply_address(case.code),
        subject="Re: your records",
        text="Here is the neurologist's letter you asked for.",
        files=[("neurologist-letter.pdf", PDF, "application/pdf")],
    )
    assert post(Client(), answer).status_code == 200
    # The reply came in a quarter of an hour ago (the form's time is to the minute).
    Message.objects.filter(case=case).update(occurred_at=timezone.now() - dt.timedelta(minutes=15))

    d = browser
    sign_in(d, live_server, "carla")
    visit(d, live_server, f"/cases/{case.uuid}/")
    thread = section(d, "thread")
    assert "The care team owes a reply" in thread.text
    assert "Here is the neurologist's letter" in thread.text and "neurologist-letter.pdf" in thread.text

    log = form(d, "log-contact")
    open_details(d, log)
    type_into(log.find_element(By.NAME, "contact"), "Layla (daughter)")
    type_into(log.find_element(By.NAME, "summary"), "Called back: the letter arrived; MRI follows next week.")
    log.find_element(By.CSS_SELECTOR, "select[name='direction'] option[value='out']").click()
    submit(d, button(log, "Log it"))

    assert any("logged on the thread" in m for m in messages(d))
    entries = section(d, "thread").find_elements(By.CSS_SELECTOR, "ol.thread > li")
    assert "Called back" in entries[0].text and "logged by Carla" in entries[0].text
    assert "neurologist's letter" in entries[1].text
    assert "Waiting on the patient's side" in section(d, "thread").text
    screenshot(d, "case-thread-carla")
    fits(d)
