"""The eBook's double opt-in and the newsletter's one-click unsubscribe, as a visitor goes through them in
Chromium: each page in English and Arabic passes axe-core and fits a phone."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from cellway.console.tests.browser import PHONE, browser, browser_db, overflows, screenshot, submit, type_into, visit
from cellway.newsletter import services
from cellway.newsletter.models import EbookRequest, Subscriber
from cellway.site.tests.axe import axe_violations

__all__ = ["browser"]

pytestmark = [pytest.mark.browser, browser_db]


@pytest.fixture
def ms_page(staff: dict[str, Any]) -> None:
    from cellway.demo.site import load_ms_page, load_references

    load_references(staff["adam"])
    load_ms_page(staff["adam"])


def _checked(browser: WebDriver, name: str) -> None:
    assert axe_violations(browser) == [], name
    browser.set_window_size(*PHONE)
    assert not overflows(browser), name
    screenshot(browser, name)


@pytest.mark.parametrize("language", ["en", "ar"])
def test_ebook_with_double_opt_in_then_one_click_unsubscribe(browser: WebDriver, live_server: Any, ms_page: None, language: str) -> None:
    visit(browser, live_server, f"/{language}/conditions/multiple-sclerosis/")
    form = browser.find_element(By.CSS_SELECTOR, "form[action$='/ebook/']")
    type_into(form.find_element(By.NAME, "email"), "layla@example.org")
    form.find_element(By.NAME, "newsletter").click()
    submit(browser, form.find_element(By.CSS_SELECTOR, "button[type=submit]"))
    _checked(browser, f"ebook-sent-{language}")

    link = re.search(r"http://127\.0\.0\.1:8000(/\S+/)", mail.outbox[-1].body)
    assert link
    visit(browser, live_server, link.group(1))
    assert EbookRequest.objects.get().confirmed_at is None  # opening the link confirmed nothing
    _checked(browser, f"ebook-confirm-{language}")
    submit(browser, browser.find_element(By.CSS_SELECTOR, "main button[type=submit]"))
    assert EbookRequest.objects.get().confirmed_at is not None
    assert browser.find_element(By.CSS_SELECTOR, "main a[href*='/ebook/']")
    _checked(browser, f"ebook-confirmed-{language}")

    subscriber = Subscriber.objects.get(email="layla@example.org")
    assert subscriber.state == Subscriber.State.ACTIVE and subscriber.language == language
    visit(browser, live_server, f"/{language}/newsletter/unsubscribe/{services.unsubscribe_token(subscriber)}/")
    _checked(browser, f"unsubscribe-{language}")
    submit(browser, browser.find_element(By.CSS_SELECTOR, "main button[type=submit]"))
    subscriber.refresh_from_db()
    assert subscriber.state == Subscriber.State.UNSUBSCRIBED
    _checked(browser, f"unsubscribed-{language}")
