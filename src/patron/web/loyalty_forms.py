"""Forms of the loyalty pages: the points rules, the member grades, a grade given by hand."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from patron.loyalty.coupons import EDITABLE
from patron.loyalty.models import Coupon, GradeProgram, MemberGrade, PointsProgram
from patron.outreach.models import Campaign


class PointsProgramForm(forms.ModelForm):
    excluded = forms.CharField(
        label=_("Sources that earn nothing (marketplaces), separated by commas"),
        required=False,
    )

    class Meta:
        model = PointsProgram
        fields = [
            "enabled",
            "starts_on",
            "rate_percent",
            "rounding",
            "pending_days",
            "lifetime_months",
            "min_balance_to_use",
            "max_share_percent",
            "cap_per_order",
            "cap_per_30_days",
            "birthday_bonus",
            "referral_bonus",
        ]
        labels = {
            "enabled": _("Points are on"),
            "starts_on": _("Sales from this day earn (earlier ones never do)"),
            "rate_percent": _("Points per 100 won paid (%)"),
            "rounding": _("Rounded down"),
            "pending_days": _("Usable this many days after the sale"),
            "lifetime_months": _("Expire this many months after"),
            "min_balance_to_use": _("Usable from a balance of"),
            "max_share_percent": _("At most this share of a sale paid with points (%)"),
            "cap_per_order": _("At most this many points per sale (0: no cap)"),
            "cap_per_30_days": _("At most this many points per person in 30 days (0: no cap)"),
            "birthday_bonus": _(
                "Points on their birthday, for those who bought in the last 12 months (0: none)"
            ),
            "referral_bonus": _(
                "Points for bringing someone new, once their first purchase is usable (0: none)"
            ),
        }
        widgets = {"starts_on": forms.DateInput(attrs={"type": "date"})}

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("enabled") and not cleaned.get("starts_on"):
            self.add_error("starts_on", _("Say from which day sales earn."))
        share = cleaned.get("max_share_percent")
        if share is not None and share > 100:
            self.add_error("max_share_percent", _("A share is at most 100%."))
        rate = cleaned.get("rate_percent")
        if rate is not None and not 0 <= rate <= 100:
            self.add_error("rate_percent", _("A rate is from 0 to 100%."))
        return cleaned


class GradeProgramForm(forms.ModelForm):
    class Meta:
        model = GradeProgram
        fields = ["enabled", "downgrade", "tell_party"]
        labels = {
            "enabled": _("Member grades are on"),
            "downgrade": _("When someone paid less than their grade asks"),
            "tell_party": _("Tell each person when their grade changes (a service message)"),
        }


class MemberGradeForm(forms.ModelForm):
    class Meta:
        model = MemberGrade
        fields = ["name", "threshold", "rate_percent", "priority_booking", "perks"]
        labels = {
            "name": _("Name"),
            "threshold": _("Paid in the last 12 months, at least (won)"),
            "rate_percent": _("Points per 100 won paid (%), instead of the usual rate"),
            "priority_booking": _("Priority when booking"),
            "perks": _("Other perks, as you would tell them"),
        }

    def clean_threshold(self):
        threshold = self.cleaned_data["threshold"]
        if threshold < 0:
            raise forms.ValidationError(_("An amount is zero or more."))
        return threshold

    def clean_rate_percent(self):
        rate = self.cleaned_data.get("rate_percent")
        if rate is not None and not 0 <= rate <= 100:
            raise forms.ValidationError(_("A rate is from 0 to 100%."))
        return rate


class SetGradeForm(forms.Form):
    grade = forms.ModelChoiceField(label=_("Grade"), queryset=MemberGrade.objects.all())
    until = forms.DateField(label=_("Until"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("until", timezone.localdate() + dt.timedelta(days=365))


class CouponForm(forms.ModelForm):
    class Meta:
        model = Coupon
        fields = list(EDITABLE)  # what a person may change; its uses are the tills'
        labels = {
            "name": _("Name"),
            "code": _("Code (what a person types or shows)"),
            "kind": _("Kind"),
            "value": _("How much off (won, or %)"),
            "max_discount": _("At most this many won off (a percentage only)"),
            "min_order": _("For a sale of at least (won)"),
            "starts_on": _("From"),
            "expires_on": _("Until (its last day)"),
            "uses_per_party": _("Uses per person"),
            "total_uses": _("Uses in all (empty: no limit)"),
            "for_anyone": _("Anyone with the code may use it"),
            "campaign": _("Sent with a campaign (its recipients may use it)"),
        }
        widgets = {
            "starts_on": forms.DateInput(attrs={"type": "date"}),
            "expires_on": forms.DateInput(attrs={"type": "date"}),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["campaign"].queryset = Campaign.objects.filter(
            archived_at__isnull=True
        ).order_by("-created_at")
        self.fields["campaign"].required = False
        if not self.is_bound and self.instance.pk is None:
            self.initial.setdefault("expires_on", timezone.localdate() + dt.timedelta(days=30))


class ReferralForm(forms.Form):
    phone = forms.CharField(label=_("Referred by (their phone number)"), max_length=40)


class IssueCouponForm(forms.Form):
    coupon = forms.ModelChoiceField(label=_("Coupon"), queryset=Coupon.objects.none())

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["coupon"].queryset = Coupon.objects.filter(
            expires_on__gte=timezone.localdate()
        ).order_by("expires_on")
