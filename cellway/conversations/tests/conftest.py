from __future__ import annotations

from typing import Any

import pytest

from cellway.conversations.tests.mailgun import SIGNING_KEY


@pytest.fixture(autouse=True)
def _mailgun_signing_key(settings: Any) -> None:
    settings.ANYMAIL = {"MAILGUN_WEBHOOK_SIGNING_KEY": SIGNING_KEY}
