"""The demo is a developer's tool: its commands run only with DEBUG on.

It publishes one password for every role, so production does not install the
demo app at all (settings.py adds it only with DEBUG); where it is installed
without DEBUG (the test settings), its commands still refuse.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.core.management.base import CommandError
from django.test.utils import override_settings

from cellway.demo.staff import quick_demo_passwords

REFUSAL = (
    "The demo is for a developer's machine only (it publishes one password for every role), "
    "and DEBUG is off here: nothing was written. Run it with DJANGO_DEBUG=true, as `make demo` does."
)


def require_debug() -> None:
    """Raise ``CommandError`` unless DEBUG is on."""
    if not settings.DEBUG:
        raise CommandError(REFUSAL)


@contextmanager
def loading() -> Iterator[None]:
    """While the demo loads: demo passwords hashed quickly, and no query log.

    DEBUG makes Django keep every query, and on SQLite it quotes each one's
    parameters with a second query: a third of the demo load's queries. The
    load writes through the services and renders no page, so the log is off
    while it runs (``require_debug`` has been asked before).
    """
    # The cohort's hundreds of patients are not invited to the portal; the journey's are, by demo_data itself.
    with quick_demo_passwords(), override_settings(DEBUG=False, PORTAL_INVITE_ON_OPENING=False):
        yield
