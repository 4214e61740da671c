"""The lost-device procedure: an administrator clears a person's second factor, on the trail; the person enrols again."""

from __future__ import annotations

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core.management import CommandError, call_command
from django.urls import reverse

from cellway.accounts.models import User
from cellway.accounts.services import reset_second_factor
from cellway.audit.models import AuditEvent
from cellway.errors import NotAllowed, Refusal

REASON = "Phone lost; identity checked in person by Adam"


@pytest.fixture
def nina_enrolled(staff):
    TOTP.activate(staff["nina"], generate_totp_secret())
    RecoveryCodes.activate(staff["nina"])
    return staff["nina"]


def test_an_administrator_clears_a_lost_factor_and_the_person_must_enrol_again(as_user, staff, nina_enrolled, settings):
    removed = reset_second_factor(person=nina_enrolled, by=staff["adam"], reason=REASON)
    assert removed == ["recovery_codes", "totp"]
    assert not Authenticator.objects.filter(user=nina_enrolled).exists()
    row = AuditEvent.objects.get(action="auth.second_factor_reset")
    assert (row.actor, row.target, row.reason, row.data) == (staff["adam"], "nina", REASON, {"removed": ["recovery_codes", "totp"]})

    settings.STAFF_MFA = "required"
    response = as_user("nina").get(reverse("console:home"))
    assert response.status_code == 302 and response.url == reverse("mfa_index")


@pytest.mark.parametrize(
    ("by", "person", "refusal"),
    [
        ("nina", "nina", "Nobody clears their own"),
        ("liam", "nina", "Only a clinic administrator"),
        ("adam", "root", "Only a superuser"),
    ],
)
def test_who_may_not_clear_a_factor_changes_nothing(staff, by, person, refusal):
    people = {**staff, "root": User.objects.create_superuser("root", "root@cellway.example", "a-long-root-password")}
    TOTP.activate(people[person], generate_totp_secret())
    with pytest.raises(NotAllowed, match=refusal):
        reset_second_factor(person=people[person], by=people[by], reason=REASON)
    assert Authenticator.objects.filter(user=people[person]).exists()
    assert not AuditEvent.objects.filter(action="auth.second_factor_reset").exists()


def test_no_reason_or_no_factor_is_refused(staff, nina_enrolled):
    with pytest.raises(Refusal, match="Say why"):
        reset_second_factor(person=nina_enrolled, by=staff["adam"], reason="  ")
    assert Authenticator.objects.filter(user=nina_enrolled).count() == 2
    with pytest.raises(Refusal, match="no second factor"):
        reset_second_factor(person=staff["liam"], by=staff["adam"], reason=REASON)
    assert not AuditEvent.objects.filter(action="auth.second_factor_reset").exists()


def test_the_command_does_the_same_and_says_why_it_refuses(staff, nina_enrolled, capsys):
    with pytest.raises(CommandError, match="Only a clinic administrator"):
        call_command("reset_second_factor", "nina", "--by", "liam", "--reason", REASON)
    with pytest.raises(CommandError, match="No such user"):
        call_command("reset_second_factor", "nobody", "--by", "adam", "--reason", REASON)
    call_command("reset_second_factor", "nina", "--by", "adam", "--reason", REASON)
    assert "Cleared recovery_codes, totp for nina" in capsys.readouterr().out
    assert AuditEvent.objects.filter(action="auth.second_factor_reset", actor=staff["adam"]).count() == 1
