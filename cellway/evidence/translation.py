"""The fields visitors read, in each of the site's languages (django-modeltranslation adds <field>_<lang>)."""

from modeltranslation.translator import TranslationOptions, register

from cellway.evidence.models import Claim, ConditionPage, Section


@register(ConditionPage)
class ConditionPageTranslation(TranslationOptions):
    fields = ("title", "summary")


@register(Section)
class SectionTranslation(TranslationOptions):
    fields = ("heading",)


@register(Claim)
class ClaimTranslation(TranslationOptions):
    fields = ("text",)
