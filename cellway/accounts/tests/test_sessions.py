"""Sessions end when idle or too old; pages for signed-in people are never stored; /healthz answers on plain HTTP."""

from __future__ import annotations

import time

from django.test import Client, override_settings
from django.urls import reverse

from cellway.accounts.sessions import LAST_SEEN, SIGNED_IN_AT
from cellway.audit.models import AuditEvent
from cellway.cases.stages import Stage


def _age_session(client, *, idle=0.0, since_sign_in=0.0):
    session = client.session
    now = time.time()
    session[LAST_SEEN] = now - idle
    session[SIGNED_IN_AT] = now - since_sign_in
    session.save()


def test_a_session_left_idle_longer_than_the_setting_is_signed_out(as_user, staff, settings):
    client = as_user("liam")
    _age_session(client, idle=settings.SESSION_IDLE_SECONDS + 5)
    response = client.get(reverse("console:cases"))
    assert response.status_code == 302 and response.url.startswith(reverse("account_login") + "?next=")
    assert AuditEvent.objects.filter(action="auth.session_expired", actor=staff["liam"], data__why="idle").exists()
    assert AuditEvent.objects.filter(action="auth.signed_out", actor=staff["liam"]).exists()
    login_page = client.get(response.url)
    assert "signed out after 30 minutes without activity" in login_page.text
    assert client.get(reverse("console:cases")).status_code == 302, "signed out for good"


def test_a_session_in_use_stays_until_its_absolute_lifetime(as_user, staff, settings):
    client = as_user("liam")
    _age_session(client, idle=60, since_sign_in=settings.SESSION_COOKIE_AGE - 120)
    assert client.get(reverse("console:cases")).status_code == 200
    _age_session(client, idle=60, since_sign_in=settings.SESSION_COOKIE_AGE + 1)
    response = client.get(reverse("console:cases"))
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="auth.session_expired", data__why="lifetime").exists()


def test_an_htmx_request_of_an_expired_session_loads_the_sign_in_page_whole(as_user, settings):
    client = as_user("liam")
    _age_session(client, idle=settings.SESSION_IDLE_SECONDS + 5)
    response = client.get(reverse("console:cases"), HTTP_HX_REQUEST="true")
    assert response.status_code == 204 and response["HX-Redirect"].startswith(reverse("account_login"))


def test_use_keeps_an_idle_clock_fresh(as_user, settings):
    client = as_user("liam")
    _age_session(client, idle=settings.SESSION_IDLE_SECONDS - 10)
    assert client.get(reverse("console:cases")).status_code == 200
    assert time.time() - client.session[LAST_SEEN] < 5


def test_every_page_for_a_signed_in_person_is_no_store(as_user, case_at):
    case = case_at(Stage.TRIAGE)
    client = as_user("liam")
    for url in (reverse("console:home"), reverse("console:cases"), reverse("console:case", args=[case.uuid])):
        response = client.get(url)
        assert response.status_code == 200
        assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


@override_settings(SECURE_SSL_REDIRECT=True)
def test_healthz_answers_on_plain_http_while_other_pages_go_to_https(db):
    client = Client()
    assert client.get("/healthz").status_code == 200
    assert client.get("/healthz").text == "ok"
    redirected = client.get(reverse("account_login"))
    assert redirected.status_code == 301 and redirected.url.startswith("https://")
