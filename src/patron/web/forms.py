from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from patron.accounts.roles import Role
from patron.accounts.services import account_managers, display_name
from patron.commerce.importers.profiles import PROFILES
from patron.commerce.models import OfferingKind
from patron.parties.models import RelationshipKind

PROFILE_LABELS = {
    "shopify": "Shopify",
    "stripe": "Stripe",
    "woocommerce": "WooCommerce",
    "square": "Square",
    "generic": _("Any other spreadsheet"),
}


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Export file (CSV or XLSX)"))
    profile = forms.ChoiceField(
        label=_("Format"),
        required=False,
        choices=[("", _("Recognise from the headers"))]
        + [(p, PROFILE_LABELS.get(p, p)) for p in PROFILES],
    )
    preview = forms.BooleanField(
        label=_("Preview first: check and count, keep nothing"), required=False
    )


class ManagerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, user) -> str:
        return display_name(user)


def kind_choices() -> list:
    """Customer and client first: they are what Patron tells apart. The article's other words
    for a relationship follow, for a business that prefers them."""
    main = (RelationshipKind.CUSTOMER, RelationshipKind.CLIENT)
    others = [(value, label) for value, label in RelationshipKind.choices if value not in main]
    return [(k.value, k.label) for k in main] + [(_("Other words for it"), others)]


class RelationshipForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=kind_choices)
    owner = ManagerChoiceField(
        label=_("Account manager"), queryset=account_managers(), required=False
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = account_managers()


class PairForm(forms.Form):
    first = forms.IntegerField(min_value=1)
    second = forms.IntegerField(min_value=1)

    def clean(self):
        data = super().clean()
        if data.get("first") and data.get("first") == data.get("second"):
            raise forms.ValidationError(_("Choose two different parties."))
        return data


class MergeForm(PairForm):
    """The pair compared, and which of the two to keep."""

    survivor = forms.IntegerField(min_value=1)

    def clean(self):
        data = super().clean()
        pair = {data.get("first"), data.get("second")}
        if data.get("survivor") not in pair:
            raise forms.ValidationError(_("Choose which of the two to keep."))
        data["other"] = next(pk for pk in pair if pk != data["survivor"])
        return data


class OfferingKindForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=OfferingKind.choices)


class MemberAddForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150)
    display_name = forms.CharField(label=_("Name shown"), max_length=150, required=False)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.STAFF)
    password = forms.CharField(
        label=_("Password (leave empty to generate one)"),
        widget=forms.PasswordInput(render_value=False),
        required=False,
        strip=False,
    )


class MemberChangeForm(forms.Form):
    display_name = forms.CharField(label=_("Name shown"), max_length=150, required=False)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
