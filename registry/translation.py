from modeltranslation.translator import TranslationOptions, register

from registry.models import Person


@register(Person)
class PersonTranslationOptions(TranslationOptions):
    fields = ("public_summary",)
