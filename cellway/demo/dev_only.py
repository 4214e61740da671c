"""The demo is a developer's tool: its commands run only with DEBUG on.

It publishes one password for every role, so production does not install the
demo app at all (settings.py adds it only with DEBUG); where it is installed
without DEBUG (the test settings), its commands still refuse.
"""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import CommandError

REFUSAL = (
    "The demo is for a developer's machine only (it publishes one password for every role), "
    "and DEBUG is off here: nothing was written. Run it with DJANGO_DEBUG=true, as `make demo` does."
)


def require_debug() -> None:
    """Raise ``CommandError`` unless DEBUG is on."""
    if not settings.DEBUG:
        raise CommandError(REFUSAL)
