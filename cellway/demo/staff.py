"""The demo clinic's staff: one sign-in per role (used by `make demo` and the tests).

Loading the demo creates the demo users that are missing and never touches a
user that already exists: a real account named ``nina`` keeps its password,
roles and everything else (``load_staff`` says which were left alone).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.hashers import PBKDF2PasswordHasher, check_password
from django.contrib.auth.models import Group
from django.test.utils import override_settings

from cellway.accounts.models import User
from cellway.accounts.roles import Role
from cellway.cases.models import Condition, SpecialistProfile

DEMO_PASSWORD = "cellway-demo-2026"  # noqa: S105 - printed by `make demo`; demo databases only


@dataclass(frozen=True)
class Person:
    username: str
    first: str
    last: str
    roles: tuple[str, ...]
    does: str = ""  # what to try when signed in as this person (printed by demo_data)


STAFF = [
    Person("carla", "Carla", "Reyes", (Role.CARE,), "records inquiries, opens cases, records quote acceptance and screening samples"),
    Person("liam", "Liam", "Okafor", (Role.LIAISON,), "triages complete records and assigns a specialist, with a reason"),
    Person("sofia", "Sofia", "Marković", (Role.SPECIALIST,), "writes and signs therapy plans, judges screening, issues the protocol"),
    Person("daniel", "Daniel", "Weiss", (Role.SPECIALIST,), "a second specialist: sees only the cases assigned to him"),
    Person("fiona", "Fiona", "Brennan", (Role.FINANCE,), "records deposits and balance payments"),
    Person("marcus", "Marcus", "Lindqvist", (Role.FINANCE, Role.FINANCE_MANAGER), "finance, and signs balance overrides"),
    Person("lena", "Lena", "Novak", (Role.LOGISTICS,), "schedules arrivals, books travel and accommodation, marks arrival"),
    Person("ivan", "Ivan", "Petrović", (Role.LABORATORY,), "receives cell lots, records release tests, prints labels, allocates vials"),
    Person("tara", "Tara", "Kelly", (Role.LABORATORY,), "a second laboratory scientist: releases (signs) lots someone else tested"),
    Person("nina", "Nina", "Horvat", (Role.NURSE,), "logs treatment sessions and records follow-up visits"),
    Person("adam", "Adam", "Kovač", (Role.ADMIN,), "publishes price lists, manages staff in the Django admin"),
]

PRICES = {
    "per_million_cells": Decimal("95.00"),
    "specialist_treatment": Decimal("1500.00"),
    "certificate_of_analysis": Decimal("250.00"),
    "iv_infusion": Decimal("400.00"),
    "it_infusion": Decimal("900.00"),
    "supplementary_infusion": Decimal("120.00"),
    "physiotherapy_session": Decimal("60.00"),
    "occupational_session": Decimal("60.00"),
    "speech_session": Decimal("60.00"),
    "rehab_session": Decimal("80.00"),
    "hospital_room_day": Decimal("180.00"),
    "session_transport_day": Decimal("40.00"),
    "airport_transfer": Decimal("150.00"),
    "accommodation_night": Decimal("90.00"),
}


@dataclass
class StaffLoad:
    """The demo staff by username, and which of them this load created."""

    people: dict[str, User] = field(default_factory=dict)
    created: list[str] = field(default_factory=list)
    left_alone: list[str] = field(default_factory=list)  # existed already: not changed in any way

    def unusable(self, password: str = DEMO_PASSWORD) -> list[str]:
        """Existing users the demo cannot act as: another password, or not the demo's roles."""
        out = []
        for person in STAFF:
            if person.username not in self.left_alone:
                continue
            user = self.people[person.username]
            # hashers.check_password, not user.check_password: the latter may re-hash and save.
            same_password = check_password(password, user.password)
            same_roles = set(user.groups.values_list("name", flat=True)) >= set(person.roles)
            if not (user.is_active and same_password and same_roles):
                out.append(person.username)
        return out


def cannot_act_as(usernames: list[str]) -> str:
    """Why the demo loads nothing when existing users it would act as are not the demo's."""
    who = f"{usernames[0]} already exists" if len(usernames) == 1 else f"{', '.join(usernames)} already exist"
    return (
        f"{who} with another password or without the demo's roles, and the demo never changes an existing user. "
        "It acts as the demo staff through the real services (a signature asks the password again), so nothing was "
        "loaded. Use a fresh database (DATABASE_URL, or remove var/cellway.sqlite3)."
    )


def load_staff(password: str = DEMO_PASSWORD) -> StaffLoad:
    """Create the demo users that do not exist; leave every existing user exactly as it is."""
    load = StaffLoad()
    ms = Condition.objects.get(code="ms")
    existing = {u.username: u for u in User.objects.filter(username__in=[p.username for p in STAFF])}
    for person in STAFF:
        user = existing.get(person.username)
        if user is not None:
            load.people[person.username] = user
            load.left_alone.append(person.username)
            continue
        user = User(
            username=person.username,
            first_name=person.first,
            last_name=person.last,
            email=f"{person.username}@cellway.example",
            is_staff=Role.ADMIN in person.roles,  # the administrator manages staff in the Django admin
        )
        user.set_password(password)
        user.save()
        user.groups.set(Group.objects.filter(name__in=person.roles))
        if Role.SPECIALIST in person.roles:
            profile = SpecialistProfile.objects.create(user=user)
            if person.username == "sofia":
                profile.conditions.add(ms)
        load.people[person.username] = user
        load.created.append(person.username)
    return load


def ensure_staff(password: str = DEMO_PASSWORD) -> dict[str, User]:
    """The demo staff by username, creating the missing ones (existing users are left alone)."""
    return load_staff(password).people


class DemoLoadHasher(PBKDF2PasswordHasher):
    """PBKDF2 with few iterations, for demo users created while the demo loads.

    Every signature in the walked journey asks the password again, and one
    production-strength PBKDF2 check costs about half a second: a hundred of
    them were half of loading the demo. The password is published anyway.
    Django re-hashes it at full strength at the user's first sign-in (the
    stored iteration count is below the default hasher's).
    """

    iterations = 1000


@contextmanager
def quick_demo_passwords() -> Iterator[None]:
    """While loading the demo: new demo passwords hashed, and checked, with ``DemoLoadHasher``."""
    from django.conf import settings

    with override_settings(PASSWORD_HASHERS=["cellway.demo.staff.DemoLoadHasher", *settings.PASSWORD_HASHERS]):
        yield
