import datetime

from django import template
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from lib.vocabulary import DatePrecision, PersonStatus
from registry.models import Category

register = template.Library()

STATUS_EXPLANATIONS = {
    PersonStatus.DETAINED: _("In custody; the place where the person is held is known."),
    PersonStatus.WHEREABOUTS_UNKNOWN: _(
        "In custody according to our sources, but the state does not acknowledge where the "
        "person is held (enforced disappearance)."
    ),
    PersonStatus.HOUSE_ARREST: _("Deprived of liberty at home by court order."),
    PersonStatus.RELEASED_CONDITIONAL: _(
        "Released, but under precautionary measures imposed by a court (see the conditions)."
    ),
    PersonStatus.RELEASED: _("Released without conditions, or the case was closed."),
    PersonStatus.DECEASED_IN_CUSTODY: _("Died while in custody."),
}


@register.filter
def precise_date(value: datetime.date | None, precision: str = DatePrecision.DAY) -> str:
    """A date shown no more precisely than the sources give it, in the reader's language."""
    if not value:
        return ""
    if precision == DatePrecision.YEAR:
        return str(value.year)
    if precision == DatePrecision.MONTH:
        return formats.date_format(value, "YEAR_MONTH_FORMAT")
    return formats.date_format(value, "DATE_FORMAT")


@register.filter
def status_explanation(status: str) -> str:
    return STATUS_EXPLANATIONS.get(status, "")


@register.filter
def category_labels(values: list[str]) -> list[str]:
    labels = dict(Category.choices)
    return [str(labels.get(value, value)) for value in values]


@register.filter
def get_item(mapping: dict, key):
    return mapping.get(key) if mapping else None
