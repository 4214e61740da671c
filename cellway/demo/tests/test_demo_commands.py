"""The demo is a developer's tool: its commands refuse without DEBUG, and it never touches an existing user."""

from __future__ import annotations

import socket

import pytest
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command

from cellway.accounts.models import User
from cellway.accounts.roles import Role
from cellway.cases.models import Case
from cellway.demo.dev_only import REFUSAL
from cellway.demo.management.commands.serve_demo import sign_ins
from cellway.demo.staff import DEMO_PASSWORD, STAFF, load_staff

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("command", ["demo_data", "outcomes_demo", "serve_demo"])
def test_demo_commands_refuse_without_debug_and_write_nothing(command, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError) as refused:
        call_command(command)
    assert str(refused.value) == REFUSAL
    assert "DJANGO_DEBUG=true" in REFUSAL
    assert not User.objects.exists()
    assert not Case.objects.exists()


def test_an_existing_user_named_like_a_demo_user_is_left_alone():
    nina = User.objects.create_user("nina", password="her-own-password-2026", first_name="Nina", last_name="Real")
    before = User.objects.get(pk=nina.pk)

    load = load_staff()

    after = User.objects.get(pk=nina.pk)
    assert (after.password, after.first_name, after.last_name) == (before.password, "Nina", "Real")
    assert after.check_password("her-own-password-2026")
    assert not after.groups.exists()  # not given the nurse role either
    assert load.left_alone == ["nina"]
    assert "nina" not in load.created and len(load.created) == len(STAFF) - 1
    assert load.unusable() == ["nina"]
    assert User.objects.get(username="sofia").check_password(DEMO_PASSWORD)


def test_demo_data_refuses_to_act_as_an_existing_user_it_cannot_sign_as(settings):
    settings.DEBUG = True
    sofia = User.objects.create_user("sofia", password="not-the-demo-password")
    before = sofia.password

    with pytest.raises(CommandError) as refused:
        call_command("demo_data")

    assert str(refused.value).startswith("sofia already exists with another password")
    assert "never changes an existing user" in str(refused.value)
    assert User.objects.get(pk=sofia.pk).password == before
    assert list(User.objects.values_list("username", flat=True)) == ["sofia"]  # nothing half-written
    assert not Case.objects.exists()


def test_an_existing_demo_user_with_the_demo_password_and_role_can_be_used():
    nina = User.objects.create_user("nina", password=DEMO_PASSWORD)
    nina.groups.set(Group.objects.filter(name=Role.NURSE))
    load = load_staff()
    assert load.left_alone == ["nina"] and load.unusable() == []


def test_the_sign_ins_name_every_demo_user_what_they_do_and_the_address(staff):
    text = sign_ins("http://127.0.0.1:8100/")
    assert "Sign in at http://127.0.0.1:8100/" in text and DEMO_PASSWORD in text
    for person in STAFF:
        line = next(line for line in text.splitlines() if line.strip().startswith(person.username + " "))
        assert person.does in line
        assert all(role in line for role in person.roles)


def test_the_sign_ins_say_whether_a_second_factor_is_asked(staff, settings):
    settings.STAFF_MFA = "off"
    assert "Second factor: OFF for this demo" in sign_ins("http://127.0.0.1:8100/")
    settings.STAFF_MFA = "required"
    assert "each demo user sets one up at first sign-in" in sign_ins("http://127.0.0.1:8100/")


def test_serve_demo_refuses_a_port_in_use(settings):
    settings.DEBUG = True
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(CommandError, match=f"Cannot serve on 127.0.0.1:{port}.*make demo PORT=8100"):
            call_command("serve_demo", addr=f"127.0.0.1:{port}")


def test_serve_demo_refuses_a_malformed_address(settings):
    settings.DEBUG = True
    with pytest.raises(CommandError, match="give host:port"):
        call_command("serve_demo", addr="8100")


def test_serve_demo_prints_a_portal_sign_in_for_each_journey_patient(staff):
    from cellway.cases.stages import Stage
    from cellway.demo.journey import new_case, walk
    from cellway.demo.management.commands.serve_demo import portal_sign_ins
    from cellway.portal.services import invite_patient, set_language

    assert "none loaded" in portal_sign_ins("http://127.0.0.1:8100/")
    case = walk(new_case(staff, name="Olga Ivanova", email="olga.ivanova@example.com"), Stage.QUOTED, staff)
    set_language(person=invite_patient(case=case, by=staff["carla"]).person, language="ar")
    text = portal_sign_ins("http://127.0.0.1:8100/")
    assert "http://127.0.0.1:8100/portal/sign-in/" in text
    assert "olga.ivanova@example.com" in text and "Quote proposed" in text and "Arabic" in text


def test_the_demo_journey_has_a_paid_case_cancelled_for_finance_to_credit(staff):
    from cellway.billing import refunds
    from cellway.billing.models import ExchangeRate
    from cellway.demo.management.commands.demo_data import Command

    command = Command()
    command.started = 0.0
    command._journey(staff)

    hanna = Case.objects.get(patient__full_name="Hanna Berg")
    assert hanna.stage == "declined"
    assert refunds.policy_decision(hanna).refundable > 0
    assert ExchangeRate.objects.filter(base="EUR", target="SEK").exists()
