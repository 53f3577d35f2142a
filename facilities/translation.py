from modeltranslation.translator import TranslationOptions, register

from facilities.models import Facility


@register(Facility)
class FacilityTranslationOptions(TranslationOptions):
    fields = ("description",)
