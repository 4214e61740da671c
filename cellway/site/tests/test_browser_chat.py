"""Live chat in Chromium, two sessions against the ASGI app served by uvicorn (WebSockets, as `make demo` serves
it): a visitor on the public site and Carla (customer care) on the console's chat page. The visitor's connection
is dropped while both write; when it comes back nothing is lost and nothing is doubled. The widget passes axe-core
open, in English and Arabic (right to left), at desktop and phone width."""

from __future__ import annotations

import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions as ec

from cellway.console.tests.browser import PHONE, browser, browser_db, screenshot, sign_in, start_chrome, visit, wait
from cellway.conversations.models import Conversation
from cellway.site.tests.axe import axe_violations

__all__ = ["browser"]

pytestmark = [pytest.mark.browser, browser_db]


@dataclass(frozen=True)
class Served:
    url: str


@pytest.fixture(scope="session")
def asgi_server() -> Iterator[Served]:
    """cellway.asgi served by uvicorn (production's ASGI server, as `make demo` runs it) in a thread of this
    process, which sees the test database. One server for the session: under pytest-xdist a worker may run this
    module's tests apart, with other modules' between. It listens on a port the system picks (no race with the
    other worker for a free one), and is used once uvicorn says it has started."""
    import uvicorn

    from cellway.asgi import application

    server = uvicorn.Server(
        uvicorn.Config(application, host="127.0.0.1", port=0, lifespan="off", ws_per_message_deflate=False, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(300):
        if server.started:
            break
        time.sleep(0.1)
    assert server.started, "uvicorn did not start"
    port = server.servers[0].sockets[0].getsockname()[1]
    yield Served(f"http://127.0.0.1:{port}")
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def visitor() -> Iterator[WebDriver]:
    with tempfile.TemporaryDirectory(prefix="cellway-chrome-visitor-") as profile:
        driver = start_chrome(profile)
        try:
            yield driver
        finally:
            driver.quit()


def log_text(driver: WebDriver, selector: str) -> str:
    return str(driver.execute_script("const l = document.querySelector(arguments[0]); return l ? l.innerText : '';", selector))


def offline(driver: WebDriver, on: bool) -> None:
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd(
        "Network.emulateNetworkConditions", {"offline": on, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1}
    )


def test_a_visitor_and_a_representative_chat_and_a_dropped_connection_loses_nothing(
    browser: WebDriver, visitor: WebDriver, asgi_server: Served, staff: dict[str, Any]
) -> None:
    carla = browser
    sign_in(carla, asgi_server, "carla")
    visit(carla, asgi_server, "/chats/")
    wait(carla).until(ec.text_to_be_present_in_element((By.ID, "link-status"), "Connected"))
    carla.find_element(By.CSS_SELECTOR, "#presence input[name=available]").click()
    wait(carla).until(ec.text_to_be_present_in_element((By.ID, "link-status"), "Available for chats"))

    # The visitor, on the public site: the widget offers a chat because Carla is there.
    visit(visitor, asgi_server, "/en/how-we-proceed/")
    visitor.find_element(By.CSS_SELECTOR, ".chat-toggle").click()
    wait(visitor).until(ec.visibility_of_element_located((By.CSS_SELECTOR, ".chat-start")))
    visitor.find_element(By.ID, "chat-name").send_keys("Amira")
    visitor.find_element(By.CSS_SELECTOR, ".chat-start button").click()
    wait(visitor).until(ec.visibility_of_element_located((By.ID, "chat-body")))
    wait(visitor).until(ec.text_to_be_present_in_element((By.CSS_SELECTOR, ".chat-status"), "Carla has joined"))
    assert axe_violations(visitor) == []
    visitor.find_element(By.ID, "chat-body").send_keys("Hello, my mother has MS.")
    visitor.find_element(By.CSS_SELECTOR, ".chat-send button[type=submit]").click()

    # Carla's page brings the chat in with the visitor's page and the message.
    wait(carla).until(lambda d: "Hello, my mother has MS." in log_text(d, ".chat-card .chat-log"))
    assert "/en/how-we-proceed/" in carla.find_element(By.CSS_SELECTOR, ".chat-card .current-page").text
    reply = carla.find_element(By.CSS_SELECTOR, ".chat-card textarea")
    reply.send_keys("Hello Amira, I am Carla.")
    carla.find_element(By.CSS_SELECTOR, ".chat-reply button[type=submit]").click()
    wait(visitor).until(lambda d: "Hello Amira, I am Carla." in log_text(d, ".chat-log"))

    # The visitor's connection drops: both keep writing.
    offline(visitor, True)
    visitor.execute_script("window.cellwayChat.socket && window.cellwayChat.socket.close();")
    wait(visitor).until(ec.text_to_be_present_in_element((By.CSS_SELECTOR, ".chat-status"), "Connection lost"))
    visitor.find_element(By.ID, "chat-body").send_keys("Written while offline.")
    visitor.find_element(By.CSS_SELECTOR, ".chat-send button[type=submit]").click()
    reply.send_keys("Written while you were away.")
    carla.find_element(By.CSS_SELECTOR, ".chat-reply button[type=submit]").click()
    wait(carla).until(
        lambda d: (
            "Written while you were away." in log_text(d, ".chat-card .chat-log")
            and not d.execute_script("return window.cellwayDesk.outbox.length")
        )
    )
    assert "Written while you were away." not in log_text(visitor, ".chat-log")
    assert visitor.execute_script("return window.cellwayChat.outbox.length") == 1  # kept, not lost

    # Back online: the widget reconnects, sends what waited (same client id) and fetches everything after its last id.
    offline(visitor, False)
    wait(visitor, 30).until(lambda d: "Written while you were away." in log_text(d, ".chat-log"))
    wait(carla, 30).until(lambda d: "Written while offline." in log_text(d, ".chat-card .chat-log"))
    wait(visitor).until(lambda d: d.execute_script("return window.cellwayChat.outbox.length") == 0)

    # Read through the server (the test's thread and the server's share one in-memory SQLite database).
    uuid = carla.find_element(By.CSS_SELECTOR, ".chat-card").get_attribute("data-uuid")
    stored = carla.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "fetch('/chats/' + arguments[0] + '/messages/?after=0').then(r => r.json()).then(j => done(j.messages.map(m => m.body)));",
        uuid,
    )
    bodies = list(stored)
    assert sorted(bodies) == sorted(
        ["Hello, my mother has MS.", "Hello Amira, I am Carla.", "Written while offline.", "Written while you were away."]
    )
    for text in bodies:  # each shown once on each side
        assert log_text(visitor, ".chat-log").count(text) == 1
        assert log_text(carla, ".chat-card .chat-log").count(text) == 1
    screenshot(visitor, "chat-visitor-desktop")
    screenshot(carla, "chat-representative-desktop")
    visitor.set_window_size(*PHONE)
    screenshot(visitor, "chat-visitor-phone")
    assert axe_violations(visitor) == []


def test_with_nobody_there_the_arabic_widget_collects_an_email_and_passes_axe(
    visitor: WebDriver, asgi_server: Served, staff: dict[str, Any]
) -> None:
    visit(visitor, asgi_server, "/ar/")
    visitor.find_element(By.CSS_SELECTOR, ".chat-toggle").click()
    wait(visitor).until(ec.visibility_of_element_located((By.ID, "chat-email-address")))
    assert "لا يوجد أحد متاح" in visitor.find_element(By.CSS_SELECTOR, ".chat-email-why").text
    assert visitor.execute_script("return getComputedStyle(document.querySelector('.chat')).direction") == "rtl"
    assert axe_violations(visitor) == []
    visitor.find_element(By.ID, "chat-email-address").send_keys("amira@example.com")
    visitor.find_element(By.ID, "chat-email-body").send_keys("هل تعالجون التصلب المتعدد؟")
    visitor.find_element(By.CSS_SELECTOR, ".chat-email button[type=submit]").click()
    wait(visitor).until(ec.text_to_be_present_in_element((By.CSS_SELECTOR, ".chat-status"), "شكرًا"))
    visitor.set_window_size(*PHONE)
    screenshot(visitor, "chat-visitor-ar-phone-email")
    visitor.get("about:blank")  # nothing writes any more: the test may read the database
    assert Conversation.objects.get().state == Conversation.State.BY_EMAIL
