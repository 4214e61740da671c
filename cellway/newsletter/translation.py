"""The issue's subject and body in each site language (django-modeltranslation)."""

from modeltranslation.translator import TranslationOptions, register

from cellway.newsletter.models import Issue


@register(Issue)
class IssueTranslation(TranslationOptions):
    fields = ("subject", "body")
    required_languages = ("en",)
