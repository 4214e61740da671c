"""A case's reply address: ``case+<case code>.<hmac>@<CELLWAY_REPLY_DOMAIN>``.

Every mail to a patient or family carries it as Reply-To, so an answer comes back to the case. The hmac (keyed
by the secret key) makes the address unguessable: a stranger who knows a case code cannot write onto its thread.
Codes are compared in capitals and the hmac in small letters, as some mail systems change a local part's case.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.utils.crypto import constant_time_compare, salted_hmac

_SALT = "cellway.cases.reply_address"
_LOCAL = re.compile(r"^case\+(?P<code>[A-Za-z0-9-]{1,16})\.(?P<mac>[0-9a-fA-F]{16})$", re.IGNORECASE)


def _mac(code: str) -> str:
    return salted_hmac(_SALT, code.upper(), algorithm="sha256").hexdigest()[:16]


def reply_address(code: str) -> str:
    """The reply address of the case with this code."""
    return f"case+{code.upper()}.{_mac(code)}@{settings.REPLY_DOMAIN}"


def case_code_of(address: str) -> str | None:
    """The case code a reply address names, if it is one of ours and its hmac is right; else None."""
    local, _, domain = address.strip().rpartition("@")
    if domain.lower() != settings.REPLY_DOMAIN:
        return None
    found = _LOCAL.match(local)
    if found is None or not constant_time_compare(found["mac"].lower(), _mac(found["code"])):
        return None
    return found["code"].upper()
