"""The language a case's person reads: a site language code (en, zh-hans, ar) for their mail and pages."""

from __future__ import annotations

from django.conf import settings

from cellway.cases.models import Case

SITE_LANGUAGES = {code for code, _ in settings.LANGUAGES}
# The patient record keeps the language as it was written down at the inquiry ("Arabic", "Chinese").
LANGUAGE_NAMES = {
    "english": "en",
    "arabic": "ar",
    "chinese": "zh-hans",
    "simplified chinese": "zh-hans",
    "mandarin": "zh-hans",
    "中文": "zh-hans",
    "العربية": "ar",
}


def case_language(case: Case) -> str:
    """The site language they wrote in, else the one on their record, else the clinic's."""
    inquiry = case.inquiry
    if inquiry is not None and inquiry.site_language in SITE_LANGUAGES:
        return inquiry.site_language
    return LANGUAGE_NAMES.get(case.patient.language.strip().lower(), settings.LANGUAGE_CODE)
