from modeltranslation.translator import TranslationOptions, register

from cases.models import Charge, ReleaseCondition


@register(Charge)
class ChargeTranslationOptions(TranslationOptions):
    fields = ("name",)


@register(ReleaseCondition)
class ReleaseConditionTranslationOptions(TranslationOptions):
    fields = ("details",)
