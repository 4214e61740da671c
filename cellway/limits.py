"""How much free text the clinic keeps in one field, in one place.

Models give these to their fields (so forms and the browser bound what people
type), and services check them again with `check_length`, because the API and
the portal call the same services without a console form in front of them.
No Django here: any layer may import it.
"""

from __future__ import annotations

from cellway.errors import Refusal

NAME = 200  # a person's or a laboratory's name
EMAIL = 254  # an email address (RFC 5321's longest path)
PHONE = 40
COUNTRY = 80
LANGUAGE = 40
REFERENCE = 80  # a bank or card reference, as on the statement
SHORT = 300  # one line: a note on a checklist item, what was given, how a quote was accepted
NOTE = 2000  # a few paragraphs of notes
REASON = 2000  # why a case ended, was assigned, was overridden...
VISIT_NOTE = 4000  # a follow-up visit's clinical notes
MARKERS = 4000  # cancer markers and values as the laboratory reported them
MESSAGE = 20000  # what a patient or family wrote to the clinic
DOCUMENT = 20000  # a plan's day-by-day schedule, the post-treatment protocol


def check_length(value: str, limit: int, what: str) -> None:
    """Refuse `value` if it is longer than `limit` characters or holds a NUL character.

    `what` names the field as the person acting knows it ("The reason").
    PostgreSQL cannot store a NUL character in text at all, so it is refused
    here with a message rather than failing at the database.
    """
    if len(value) > limit:
        raise Refusal(f"{what} is too long: {len(value):,} characters, at most {limit:,}.")
    if "\x00" in value:
        raise Refusal(f"{what} cannot contain a NUL character.")
