"""The demo clinic's staff: one sign-in per role (used by `make demo` and the tests)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.models import Group

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


STAFF = [
    Person("carla", "Carla", "Reyes", (Role.CARE,)),
    Person("liam", "Liam", "Okafor", (Role.LIAISON,)),
    Person("sofia", "Sofia", "Marković", (Role.SPECIALIST,)),
    Person("daniel", "Daniel", "Weiss", (Role.SPECIALIST,)),
    Person("fiona", "Fiona", "Brennan", (Role.FINANCE,)),
    Person("marcus", "Marcus", "Lindqvist", (Role.FINANCE, Role.FINANCE_MANAGER)),
    Person("lena", "Lena", "Novak", (Role.LOGISTICS,)),
    Person("ivan", "Ivan", "Petrović", (Role.LABORATORY,)),
    Person("nina", "Nina", "Horvat", (Role.NURSE,)),
    Person("adam", "Adam", "Kovač", (Role.ADMIN,)),
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


def ensure_staff(password: str = DEMO_PASSWORD) -> dict[str, User]:
    """Create (or refresh) the demo staff. Returns them by username."""
    people: dict[str, User] = {}
    ms = Condition.objects.get(code="ms")
    for person in STAFF:
        user, created = User.objects.get_or_create(
            username=person.username,
            defaults={"first_name": person.first, "last_name": person.last, "email": f"{person.username}@cellway.example"},
        )
        if created or not user.check_password(password):
            user.set_password(password)
            user.save()
        user.groups.set(Group.objects.filter(name__in=person.roles))
        if Role.ADMIN in person.roles and not user.is_staff:
            user.is_staff = True  # the administrator manages staff in the Django admin
            user.save(update_fields=["is_staff"])
        if Role.SPECIALIST in person.roles:
            profile, _ = SpecialistProfile.objects.get_or_create(user=user)
            if person.username == "sofia":
                profile.conditions.add(ms)
        people[person.username] = user
    return people
