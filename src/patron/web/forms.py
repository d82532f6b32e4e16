from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from patron.commerce.importers.profiles import PROFILES
from patron.parties.models import RelationshipKind
from patron.parties.team import team_users


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Export file (CSV or XLSX)"))
    profile = forms.ChoiceField(
        label=_("Format"),
        required=False,
        choices=[("", _("Recognise from the headers"))] + [(p, p.title()) for p in PROFILES],
    )
    dry_run = forms.BooleanField(label=_("Preview only: keep nothing"), required=False)


class RelationshipForm(forms.Form):
    kind = forms.ChoiceField(label=_("Relationship"), choices=RelationshipKind.choices)
    owner = forms.ModelChoiceField(
        label=_("Account manager"), queryset=team_users(), required=False
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = team_users()


class MergeForm(forms.Form):
    survivor = forms.IntegerField(min_value=1)
    other = forms.IntegerField(min_value=1)

    def clean(self):
        data = super().clean()
        if data.get("survivor") and data.get("survivor") == data.get("other"):
            raise forms.ValidationError(_("Choose two different parties."))
        return data
