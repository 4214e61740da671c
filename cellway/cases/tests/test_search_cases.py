"""Search finds people regardless of accents, case and word order; bad terms are a clear 400."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.urls import reverse

from cellway.cases.models import Patient
from cellway.cases.search import BadSearchTerm
from cellway.cases.selectors import search_cases
from cellway.cases.services import assign_case
from cellway.cases.stages import Stage
from cellway.demo.journey import new_case, walk


@pytest.fixture
def people(staff):
    names = ["Elena Popescu", "José Álvarez", "Ştefan Ionescu", "Ana Popa", "Łukasz Wałęsa"]
    return {name: new_case(staff, name=name, email=f"p{i}@example.com") for i, name in enumerate(names)}


def found(user, term):
    return {case.patient.full_name for case in search_cases(user, term)}


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("popescu elena", {"Elena Popescu"}),
        ("ELENA", {"Elena Popescu"}),
        ("jose", {"José Álvarez"}),
        ("José", {"José Álvarez"}),
        ("alvarez   jose", {"José Álvarez"}),
        ("stefan", {"Ştefan Ionescu"}),
        ("ŞTEFAN", {"Ştefan Ionescu"}),
        ("Ștefan", {"Ştefan Ionescu"}),  # typed with a comma below, stored with a cedilla
        ("lukasz walesa", {"Łukasz Wałęsa"}),
        ("pop", {"Elena Popescu", "Ana Popa"}),
        ("popa elena", set()),  # every word must be in the same name
    ],
)
def test_names_are_found_whatever_the_accents_case_and_word_order(people, staff, term, expected):
    assert found(staff["carla"], term) == expected


def test_a_case_is_found_by_its_code_or_the_patients_email(people, staff):
    case = people["Ana Popa"]

    assert list(search_cases(staff["carla"], case.code.lower())) == [case]
    assert list(search_cases(staff["carla"], "P3@EXAMPLE.COM")) == [case]


def test_an_empty_term_finds_every_visible_case(people, staff):
    assert search_cases(staff["carla"], "  ").count() == len(people)


def test_search_stays_within_what_the_person_may_see(people, staff):
    case = walk(people["Elena Popescu"], Stage.TRIAGE, staff)
    assign_case(case=case, specialist=staff["daniel"], by=staff["liam"], reason="Lightest load")

    assert found(staff["daniel"], "popescu") == {"Elena Popescu"}
    assert found(staff["sofia"], "popescu") == set()
    assert found(staff["outsider"], "popescu") == set()


@pytest.mark.parametrize("term", ["elena\x00", "\x1b", "a" * 201])
def test_a_term_with_control_characters_or_too_long_is_refused(people, staff, term):
    with pytest.raises(BadSearchTerm):
        search_cases(staff["carla"], term)


def test_the_key_follows_the_name_a_case_is_opened_with(staff):
    case = new_case(staff, name="  Søren   KIERKEGAARD ")

    assert Patient.objects.get(pk=case.patient_id).search_key == "soren kierkegaard"


def test_the_migration_fills_the_key_of_patients_recorded_before_it(people):
    Patient.objects.update(search_key="")
    migration = importlib.import_module("cellway.cases.migrations.0004_patient_search_key")

    migration.fill_search_keys(apps, None)

    assert set(Patient.objects.values_list("search_key", flat=True)) == {
        "elena popescu", "jose alvarez", "stefan ionescu", "ana popa", "lukasz walesa"
    }


# --- The case list page ---------------------------------------------------------------


def test_the_case_list_finds_a_name_typed_without_accents(people, staff, client):
    client.force_login(staff["carla"])

    response = client.get(reverse("console:cases"), {"q": "alvarez jose"})

    assert response.status_code == 200
    assert [c.patient.full_name for c in response.context["page"]] == ["José Álvarez"]


@pytest.mark.parametrize(
    ("term", "message"),
    [
        ("elena\x00popescu", "Search terms cannot contain control characters."),
        ("\x07", "Search terms cannot contain control characters."),
        ("x" * 500, "Search terms are at most 200 characters."),
    ],
)
def test_the_case_list_answers_a_bad_term_with_400_and_the_reason(people, staff, client, term, message):
    client.force_login(staff["carla"])

    response = client.get(reverse("console:cases"), {"q": term})

    assert response.status_code == 400
    assert message in response.text
    assert term not in response.text


@pytest.mark.postgres
def test_a_nul_byte_reaches_postgresql_never(people, staff, client):
    # PostgreSQL refuses a NUL in a query parameter outright (a 500 before this check).
    client.force_login(staff["carla"])

    response = client.get(reverse("console:cases"), {"q": "\x00"})

    assert response.status_code == 400
    assert "Search terms cannot contain control characters" in response.text
