"""The eBook's double opt-in and the newsletter's one-click unsubscribe, as a visitor goes through them in
Chromium: each page in English and Arabic passes axe-core and fits a phone."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from cellway.console.tests.browser import browser, browser_db, checked_page, submit, type_into, visit
from cellway.newsletter import services
from cellway.newsletter.models import EbookRequest, Subscriber

__all__ = ["browser"]

pytestmark = [pytest.mark.browser, browser_db]

DIRECTION = {"en": "ltr", "ar": "rtl"}


@pytest.fixture
def ms_page(staff: dict[str, Any]) -> None:
    from cellway.demo.site import load_ms_page, load_references

    load_references(staff["adam"])
    load_ms_page(staff["adam"])


@pytest.mark.parametrize("language", ["en", "ar"])
def test_ebook_with_double_opt_in_then_one_click_unsubscribe(browser: WebDriver, live_server: Any, ms_page: None, language: str) -> None:
    visit(browser, live_server, f"/{language}/conditions/multiple-sclerosis/")
    form = browser.find_element(By.CSS_SELECTOR, "form[action$='/ebook/']")
    type_into(form.find_element(By.NAME, "email"), "layla@example.org")
    form.find_element(By.NAME, "newsletter").click()
    submit(browser, form.find_element(By.CSS_SELECTOR, "button[type=submit]"))
    checked_page(browser, f"ebook-sent-{language}", DIRECTION[language])

    link = re.search(r"http://127\.0\.0\.1:8000(/\S+/)", mail.outbox[-1].body)
    assert link
    visit(browser, live_server, link.group(1))
    assert EbookRequest.objects.get().confirmed_at is None  # opening the link confirmed nothing
    checked_page(browser, f"ebook-confirm-{language}", DIRECTION[language])
    submit(browser, browser.find_element(By.CSS_SELECTOR, "main button[type=submit]"))
    assert EbookRequest.objects.get().confirmed_at is not None
    assert browser.find_element(By.CSS_SELECTOR, "main a[href*='/ebook/']")
    checked_page(browser, f"ebook-confirmed-{language}", DIRECTION[language])

    subscriber = Subscriber.objects.get(email="layla@example.org")
    assert subscriber.state == Subscriber.State.ACTIVE and subscriber.language == language
    visit(browser, live_server, f"/{language}/newsletter/unsubscribe/{services.unsubscribe_token(subscriber)}/")
    checked_page(browser, f"unsubscribe-{language}", DIRECTION[language])
    submit(browser, browser.find_element(By.CSS_SELECTOR, "main button[type=submit]"))
    subscriber.refresh_from_db()
    assert subscriber.state == Subscriber.State.UNSUBSCRIBED
    checked_page(browser, f"unsubscribed-{language}", DIRECTION[language])
