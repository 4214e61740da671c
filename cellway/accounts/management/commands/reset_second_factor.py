"""The lost-device procedure (README, "Second factor"): an administrator clears a person's second factor, on the trail.

    manage.py reset_second_factor nina --by adam --reason "phone lost; identity checked in person"
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cellway.accounts.models import User
from cellway.accounts.services import reset_second_factor
from cellway.errors import Refusal


class Command(BaseCommand):
    help = (
        "Clear a person's second factor (authenticator app, passkeys, recovery codes) after a lost device; "
        "they set up a new one at their next sign-in."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", help="whose second factor to clear")
        parser.add_argument("--by", required=True, help="the clinic administrator doing it (on the trail)")
        parser.add_argument("--reason", required=True, help="why, and how the person's identity was checked")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            person = User.objects.get(username=options["username"])
            by = User.objects.get(username=options["by"])
        except User.DoesNotExist as missing:
            raise CommandError(f"No such user: {missing}") from None
        try:
            kinds = reset_second_factor(person=person, by=by, reason=options["reason"])
        except Refusal as refusal:
            raise CommandError(refusal.message) from None
        self.stdout.write(f"Cleared {', '.join(kinds)} for {person.get_username()}; they set up a new second factor at their next sign-in.")
