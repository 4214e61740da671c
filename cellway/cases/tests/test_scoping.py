"""Reads scoped to the person asking: outside one's scope a case does not exist."""

from __future__ import annotations

import uuid

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from cellway.cases.selectors import get_case, queue, suggested_specialists, timeline, visible_cases
from cellway.cases.services import assign_case
from cellway.cases.stages import Stage


@pytest.fixture
def three_cases(case_at, staff):
    """One case still collecting records, one assigned to Sofia, one to Daniel."""
    unassigned = case_at(Stage.INQUIRY)
    sofias = case_at(Stage.REVIEW)
    daniels = case_at(Stage.TRIAGE)
    assign_case(case=daniels, specialist=staff["daniel"], by=staff["liam"], reason="Lightest load")
    return unassigned, sofias, daniels


@pytest.mark.parametrize("who", ["carla", "liam", "fiona", "marcus", "lena", "ivan", "nina"])
def test_clinic_roles_other_than_specialist_see_every_case(three_cases, staff, who):
    assert set(visible_cases(staff[who])) == set(three_cases)


def test_the_clinic_administrator_sees_no_patient_unless_they_also_hold_a_clinical_role(three_cases, staff):
    from django.contrib.auth.models import Group

    from cellway.accounts.models import User
    from cellway.accounts.roles import Role

    assert not visible_cases(staff["adam"]).exists()
    staff["adam"].groups.add(Group.objects.get(name=Role.NURSE))
    assert set(visible_cases(User.objects.get(pk=staff["adam"].pk))) == set(three_cases)


def test_a_specialist_sees_only_the_cases_assigned_to_them(three_cases, staff):
    unassigned, sofias, daniels = three_cases

    assert list(visible_cases(staff["sofia"])) == [sofias]
    assert list(visible_cases(staff["daniel"])) == [daniels]


def test_a_signed_in_user_without_a_role_an_inactive_user_and_an_anonymous_visitor_see_no_case(three_cases, staff):
    staff["liam"].is_active = False
    staff["liam"].save()

    assert not visible_cases(staff["outsider"]).exists()
    assert not visible_cases(staff["liam"]).exists()
    assert not visible_cases(AnonymousUser()).exists()


def test_get_case_returns_a_case_in_scope(three_cases, staff):
    _, sofias, _ = three_cases

    assert get_case(staff["sofia"], sofias.uuid) == sofias
    assert get_case(staff["carla"], str(sofias.uuid)) == sofias


@pytest.mark.parametrize(("who", "which"), [("sofia", 2), ("sofia", 0), ("daniel", 1), ("outsider", 1)])
def test_get_case_raises_not_found_for_a_case_out_of_scope(three_cases, staff, who, which):
    with pytest.raises(Http404):
        get_case(staff[who], three_cases[which].uuid)


@pytest.mark.parametrize("bad", [uuid.uuid4(), "not-a-uuid", None, 42])
def test_get_case_raises_not_found_for_an_unknown_or_malformed_identifier(three_cases, staff, bad):
    with pytest.raises(Http404):
        get_case(staff["liam"], bad)


def test_a_queue_holds_only_the_cases_in_its_stages_and_in_scope_oldest_change_first(three_cases, staff):
    unassigned, sofias, daniels = three_cases

    assert list(queue(staff["liam"], {Stage.REVIEW})) == [sofias, daniels]
    assert list(queue(staff["liam"], {Stage.INQUIRY, Stage.TRIAGE})) == [unassigned]
    assert list(queue(staff["sofia"], {Stage.REVIEW})) == [sofias]
    assert list(queue(staff["outsider"], set(Stage))) == []


def test_the_timeline_shows_the_newest_event_first(three_cases, staff):
    _, sofias, _ = three_cases

    kinds = [(e.kind, e.to_stage) for e in timeline(sofias, staff["sofia"])]

    assert kinds[0] == ("stage", "review")
    assert kinds[-1] == ("opened", "inquiry")


def test_the_timeline_leaves_out_the_parts_a_role_does_not_read(three_cases, staff):
    _, sofias, _ = three_cases
    # The records checklist was kept (records events): finance has no reason to read them.
    assert any(e.kind == "records" for e in timeline(sofias, staff["sofia"]))
    assert not any(e.kind == "records" for e in timeline(sofias, staff["fiona"]))
    assert any(e.kind == "stage" for e in timeline(sofias, staff["fiona"]))


def test_specialists_are_suggested_by_condition_expertise_first_then_by_fewest_open_cases(case_at, staff):
    triage = case_at(Stage.TRIAGE)
    # Sofia (the MS expert) is suggested first even with more open cases than Daniel.
    case_at(Stage.REVIEW)
    case_at(Stage.REVIEW)

    assert suggested_specialists(triage)[:2] == [staff["sofia"], staff["daniel"]]

    staff["sofia"].specialist_profile.conditions.clear()
    assert suggested_specialists(triage)[:2] == [staff["daniel"], staff["sofia"]]


def test_an_inactive_specialist_is_never_suggested(case_at, staff):
    triage = case_at(Stage.TRIAGE)
    staff["sofia"].is_active = False
    staff["sofia"].save()

    assert staff["sofia"] not in suggested_specialists(triage)
    assert staff["daniel"] in suggested_specialists(triage)


@pytest.mark.parametrize("who", ["liam", "fiona", "lena", "ivan", "sofia"])
def test_the_stages_reached_read_from_any_readers_whole_timeline_are_those_of_the_trail(staff, case_at, who):
    """The stage bar reads the stages from the timeline it already holds: every reader's timeline has every stage event."""
    from cellway.cases.selectors import stages_reached, timeline

    case = case_at(Stage.FOLLOW_UP)
    history = list(timeline(case, staff[who], limit=1000))
    assert stages_reached(case, history) == stages_reached(case)
    assert len(stages_reached(case)) > 5
