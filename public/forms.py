from django import forms
from django.utils.translation import gettext_lazy as _

from registry.models import InformationSubmission
from registry.search import MAX_QUERY_LENGTH, MIN_QUERY_LENGTH


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("Name or national id number"),
        min_length=MIN_QUERY_LENGTH,
        max_length=MAX_QUERY_LENGTH,
        error_messages={
            "required": _("Type a name or a national id number."),
            "min_length": _("Type at least %(limit_value)d characters."),
            "max_length": _("Type at most %(limit_value)d characters."),
        },
        widget=forms.TextInput(
            attrs={"type": "search", "autocomplete": "off", "spellcheck": "false"}
        ),
    )


class InformationForm(forms.ModelForm):
    # A field people do not see: bots fill it, and their submissions are dropped.
    website = forms.CharField(required=False, widget=forms.HiddenInput)

    class Meta:
        model = InformationSubmission
        fields = ["about_name", "message", "contact"]
        widgets = {
            "message": forms.Textarea(attrs={"rows": 6}),
            "contact": forms.Textarea(attrs={"rows": 2}),
        }
        help_texts = {
            "contact": _(
                "A phone number or an e-mail address, only if you want us to reach you. "
                "It is stored encrypted and seen only by our staff."
            ),
        }

    def clean_message(self) -> str:
        message = self.cleaned_data["message"]
        if len(message) > 10_000:
            raise forms.ValidationError(_("Please keep the message under 10,000 characters."))
        return message
