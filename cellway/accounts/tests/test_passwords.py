"""Self-service: every user changes their own password; a forgotten one is reset by an emailed link that reveals nothing."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from cellway.accounts.models import User
from cellway.audit.models import AuditEvent

NEW = "violet-harbour-lantern-42"


@pytest.mark.parametrize("username", ["nina", "fiona", "ivan", "adam", "outsider"])
def test_every_user_can_change_their_own_password(as_user, staff, password, username):
    client = as_user(username)
    assert client.get(reverse("account_change_password")).status_code == 200
    response = client.post(reverse("account_change_password"), {"oldpassword": password, "password1": NEW, "password2": NEW})
    assert response.status_code == 302
    person = User.objects.get(pk=staff[username].pk)
    assert person.check_password(NEW)
    changed = AuditEvent.objects.get(action="password.changed", actor=person)
    assert NEW not in str(changed.data)
    assert client.get(reverse("console:home")).status_code == 200, "still signed in after the change"


@pytest.mark.parametrize(
    ("old", "new", "complaint"),
    [
        ("not-my-password", NEW, "Please type your current password"),
        (None, "password123", "too common"),
        (None, "nina", "too short"),
        (None, "12345678901234", "entirely numeric"),
    ],
)
def test_a_wrong_current_password_or_a_weak_new_one_changes_nothing(as_user, staff, password, old, new, complaint):
    client = as_user("nina")
    response = client.post(reverse("account_change_password"), {"oldpassword": old or password, "password1": new, "password2": new})
    assert response.status_code == 200 and complaint in response.text
    assert User.objects.get(pk=staff["nina"].pk).check_password(password)
    assert not AuditEvent.objects.filter(action="password.changed").exists()


def _reset_link(mail) -> str:
    match = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+/)", mail.body)
    assert match, mail.body
    return match.group(1)


def test_a_reset_request_answers_the_same_for_a_known_and_an_unknown_address(client, staff, mailoutbox):
    known = client.post(reverse("account_reset_password"), {"email": staff["nina"].email})
    unknown = client.post(reverse("account_reset_password"), {"email": "nobody-here@example.org"})
    assert (known.status_code, known.url) == (unknown.status_code, unknown.url) == (302, reverse("account_reset_password_done"))
    assert [m.to for m in mailoutbox] == [[staff["nina"].email]], "nothing is sent to an address nobody has"


def test_the_emailed_link_sets_a_new_password_once(client, staff, password, mailoutbox):
    client.post(reverse("account_reset_password"), {"email": staff["nina"].email})
    link = _reset_link(mailoutbox[0])
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200 and 'name="password1"' in form_page.text
    set_url = form_page.redirect_chain[-1][0] if form_page.redirect_chain else link

    weak = client.post(set_url, {"password1": "password123", "password2": "password123"})
    assert "too common" in weak.text and User.objects.get(pk=staff["nina"].pk).check_password(password)

    done = client.post(set_url, {"password1": NEW, "password2": NEW})
    assert done.status_code == 302
    assert User.objects.get(pk=staff["nina"].pk).check_password(NEW)
    assert AuditEvent.objects.filter(action="password.reset", actor=staff["nina"]).count() == 1

    # The same link again: refused, nothing changed.
    again = client.get(link, follow=True)
    assert "invalid" in again.text.lower()
    assert 'name="password1"' not in again.text
    assert AuditEvent.objects.filter(action="password.reset").count() == 1


def test_an_expired_link_is_refused(client, staff, password, mailoutbox, settings):
    client.post(reverse("account_reset_password"), {"email": staff["nina"].email})
    link = _reset_link(mailoutbox[0])
    settings.PASSWORD_RESET_TIMEOUT = -1  # as if the link's time had passed
    page = client.get(link, follow=True)
    assert "invalid" in page.text.lower() and 'name="password1"' not in page.text
    assert User.objects.get(pk=staff["nina"].pk).check_password(password)


def test_reset_requests_are_rate_limited_the_same_for_any_address(client, staff, mailoutbox):
    answers = set()
    for email in [staff["nina"].email] * 4 + ["nobody-here@example.org"] * 4:
        answers.add(client.post(reverse("account_reset_password"), {"email": email}).status_code)
    assert 429 in answers
    assert len(mailoutbox) == 3, "three links an hour for one address"
