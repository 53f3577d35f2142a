"""The POST data an admin change page would send back unchanged, read from the page's forms: a
test changes one value and posts it, as a person would after ticking one box."""

from django.forms import CheckboxInput, MultiWidget


def _widget_values(name: str, widget, value) -> dict:
    if isinstance(widget, MultiWidget):
        parts = value if isinstance(value, list | tuple) else widget.decompress(value)
        values = {}
        for suffix, subwidget, part in zip(
            widget.widgets_names, widget.widgets, parts, strict=True
        ):
            values |= _widget_values(name + suffix, subwidget, part)
        return values
    if isinstance(widget, CheckboxInput):
        return {name: "on"} if value else {}
    if value is None:
        return {name: ""}
    if isinstance(value, list | tuple):
        return {name: [str(item) for item in value]}
    formatted = widget.format_value(value)
    return {name: "" if formatted is None else formatted}


def _form_values(form) -> dict:
    values = {}
    for name in form.fields:
        bound = form[name]
        values |= _widget_values(bound.html_name, bound.field.widget, bound.value())
    return values


def form_data(response) -> dict:
    """The data of the admin change (or add) page in `response`, as it would be posted."""
    data = _form_values(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        data |= _form_values(formset.management_form)
        for form in formset.forms:
            data |= _form_values(form)
    return data
