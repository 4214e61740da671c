"""Who, besides the patient on the case's record, is one of a case's people: a registry the apps above fill in.

The portal (a layer above conversations) knows the family and helpers a patient let in; conversations must not
import it (lint-imports: a lower layer never imports a higher one). So the portal registers a source here in its
``AppConfig.ready`` (``register``), and conversations asks ``people_of(case)`` without knowing where the answer
comes from: whether a mail's sender is a known contact (``services.known_contact``), whom a staff member may
write to from the thread, and who hears of a care team's reply in the portal. With no source registered (the
portal not installed) the answer is simply nobody more.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from cellway.cases.models import Case


@dataclass(frozen=True)
class CaseContact:
    """A person of the case who is not staff: the patient, or a helper the patient let in (open today)."""

    email: str
    name: str
    # A site language code (en, zh-hans, ar): their mails are in it.
    language: str
    # What they are to the patient, in the source's words ("patient", "family", "guardian", ...).
    relation: str
    # Whether they read the case's messages in the portal (the patient always; a helper only if granted).
    reads_messages: bool = False
    # Where they read the case's messages (an absolute address), if anywhere.
    messages_url: str = ""
    # False for a person whose way in has ended (revoked, or past its last day): no longer one of the case's people.
    active: bool = True


ContactSource = Callable[[Case], Iterable[CaseContact]]

_SOURCES: dict[str, ContactSource] = {}


def register(name: str, source: ContactSource) -> None:
    """Add (or replace, by ``name``: ``ready`` may run twice in tests) a source of a case's people."""
    _SOURCES[name] = source


def _all_of(case: Case) -> list[CaseContact]:
    return [person for source in _SOURCES.values() for person in source(case) if person.email]


def people_of(case: Case) -> list[CaseContact]:
    """The case's people the registered sources name today (open access only), one per address."""
    found: dict[str, CaseContact] = {}
    for person in _all_of(case):
        if person.active:
            found.setdefault(person.email.strip().lower(), person)
    return list(found.values())


def former_addresses(case: Case) -> set[str]:
    """Addresses (in small letters) whose access to the case has ended and who hold no open one: a mail the clinic
    once sent them does not keep them among the case's people."""
    everyone = _all_of(case)
    active = {p.email.strip().lower() for p in everyone if p.active}
    return {p.email.strip().lower() for p in everyone if not p.active} - active
