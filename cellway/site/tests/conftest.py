from collections.abc import Iterator

import pytest
from django.conf import settings
from django.utils import translation


@pytest.fixture(autouse=True)
def _back_to_english() -> Iterator[None]:
    """A request to a public page leaves its language active in the thread; the next test starts in English."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    """The outcome figures are cached for an hour: each test computes its own."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
