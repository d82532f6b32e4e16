"""Forms of the Business settings page and of a member's own profile."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from patron.core.business import KEY_SETTINGS, PINNED_BY, Business

PROVIDER_CHOICES = [
    ("", _("Not set up: texts wait")),
    ("demo", _("Demo: print texts in the terminal, send nothing")),
    ("solapi", "Solapi"),
    ("nhn", "NHN Cloud"),
]
LANGUAGES = list(settings.LANGUAGES)  # each in its own language, as switchers show them
HOURS = [(hour, f"{hour:02d}:00") for hour in range(24)]
KEY_LABELS = {
    "solapi_api_key": _("Solapi API key"),
    "solapi_api_secret": _("Solapi API secret"),
    "nhn_app_key": _("NHN Cloud SMS app key"),
    "nhn_secret_key": _("NHN Cloud secret key"),
    "nhn_alimtalk_app_key": _("NHN Cloud 알림톡 app key"),
}


class BusinessForm(forms.Form):
    name = forms.CharField(
        label=_("Business name (상호)"),
        max_length=120,
        required=False,
        help_text=_("Messages and public pages name you so; advertising must."),
    )
    phone = forms.CharField(
        label=_("Representative phone"),
        max_length=40,
        required=False,
        help_text=_("How people reach you: printed in every advertisement."),
    )
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    email_from = forms.CharField(
        label=_("Emails come from"),
        max_length=254,
        required=False,
        help_text=_("An address your mail server may send from, e.g. hello@your-shop.kr."),
    )
    text_provider = forms.ChoiceField(
        label=_("Text messages (SMS, LMS, 알림톡)"), choices=PROVIDER_CHOICES, required=False
    )
    sms_sender = forms.CharField(
        label=_("Registered sender number (발신번호)"),
        max_length=40,
        required=False,
        help_text=_("Register it with the provider first: texts from any other number fail."),
    )
    optout_number = forms.CharField(
        label=_("Free refusal number (080 무료수신거부)"),
        max_length=40,
        required=False,
        help_text=_("Advertising texts end with it. Without it, no advertising goes by text."),
    )
    kakao_channel = forms.CharField(
        label=_("KakaoTalk channel"),
        max_length=80,
        required=False,
        help_text=_("As people find it in KakaoTalk, e.g. @haru-studio."),
    )
    kakao_sender_key = forms.CharField(
        label=_("KakaoTalk sender key (발신 프로필 키 / pfId)"), max_length=80, required=False
    )
    quiet_start = forms.TypedChoiceField(
        label=_("Night-time rule from"), choices=HOURS, coerce=int, initial=21
    )
    quiet_end = forms.TypedChoiceField(label=_("until"), choices=HOURS, coerce=int, initial=8)
    email_quiet_hours = forms.BooleanField(
        label=_("Hold advertising emails at night too"), required=False
    )
    notice_hour = forms.TypedChoiceField(
        label=_("Automatic notices go out at"),
        choices=HOURS,
        coerce=int,
        initial=10,
        help_text=_("Reconfirmations, keep-in-touch messages and invitations of the day."),
    )

    def __init__(self, *args, biz: Business, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.biz = biz
        for name in KEY_SETTINGS:
            self.fields[name] = forms.CharField(
                label=KEY_LABELS[name],
                required=False,
                strip=True,
                max_length=200,
                widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
            )
            self.fields[f"clear_{name}"] = forms.BooleanField(
                label=_("Remove the saved one"), required=False
            )
        # A field the operator pinned with an environment variable is shown, not edited.
        for field, setting in {**PINNED_BY, **KEY_SETTINGS}.items():
            if field in biz.pinned:
                for name in self._fields_of(field):
                    self.fields[name].disabled = True
                    self.fields[name].help_text = _("Set by the server (%(variable)s).") % {
                        "variable": setting
                    }

    @staticmethod
    def _fields_of(field: str) -> list[str]:
        if field == "quiet_hours":
            return ["quiet_start", "quiet_end"]
        if field in KEY_SETTINGS:
            return [field, f"clear_{field}"]
        return [field]

    def key_status(self) -> list[tuple[forms.BoundField, forms.BoundField, str]]:
        """Each key's field, its remove box, and whether one is saved (never its value)."""
        rows = []
        for name in KEY_SETTINGS:
            if name in self.biz.pinned:
                state = "pinned"
            elif self.biz.key(name):
                state = "saved"
            else:
                state = "missing"
            rows.append((self[name], self[f"clear_{name}"], state))
        return rows

    def values(self) -> dict:
        """What the owner may change, as core.business.do_save_business takes it."""
        data = self.cleaned_data
        values = {}
        for name in (
            "name",
            "phone",
            "address",
            "email_from",
            "text_provider",
            "sms_sender",
            "optout_number",
            "kakao_channel",
            "kakao_sender_key",
            "quiet_start",
            "quiet_end",
            "email_quiet_hours",
            "notice_hour",
        ):
            if not self.fields[name].disabled:
                values[name] = data[name]
        return values

    def keys(self) -> dict[str, str]:
        return {
            name: self.cleaned_data[name]
            for name in KEY_SETTINGS
            if not self.fields[name].disabled and self.cleaned_data.get(name)
        }

    def cleared_keys(self) -> list[str]:
        return [
            name
            for name in KEY_SETTINGS
            if not self.fields[name].disabled and self.cleaned_data.get(f"clear_{name}")
        ]


def business_initial(biz: Business) -> dict:
    return {
        "name": biz.name,
        "phone": biz.phone,
        "address": biz.address,
        "email_from": biz.email_from,
        "text_provider": biz.text_provider,
        "sms_sender": biz.sms_sender,
        "optout_number": biz.optout_number,
        "kakao_channel": biz.kakao_channel,
        "kakao_sender_key": biz.kakao_sender_key,
        "quiet_start": biz.quiet_hours[0],
        "quiet_end": biz.quiet_hours[1],
        "email_quiet_hours": biz.email_quiet_hours,
        "notice_hour": biz.notice_hour,
    }


class ProfileForm(forms.Form):
    email = forms.CharField(
        label=_("Your email"),
        max_length=254,
        required=False,
        help_text=_("Tests of emails and campaigns come here."),
    )
    phone = forms.CharField(
        label=_("Your mobile phone"),
        max_length=40,
        required=False,
        help_text=_("Tests of text messages and 알림톡 come here."),
    )
    language = forms.ChoiceField(
        label=_("Language"),
        required=False,
        choices=[("", _("As my browser says"))] + [(code, name) for code, name in LANGUAGES],
    )


class ConsentCaptureForm(forms.Form):
    """What a person decided, told to a member (counter, phone, in person, KakaoTalk)."""

    channel = forms.ChoiceField(
        label=_("Channel"), choices=[("email", _("Email")), ("sms", _("SMS"))]
    )
    purpose = forms.ChoiceField(
        label=_("About"),
        choices=[
            ("marketing", _("Offers and promotions")),
            ("newsletter", _("Newsletters")),
            ("surveys", _("Surveys")),
            ("night", _("Advertising at night (21:00-08:00)")),
        ],
    )
    granted = forms.TypedChoiceField(
        label=_("They said"),
        choices=[("yes", _("Yes")), ("no", _("No"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    how = forms.ChoiceField(
        label=_("How"),
        choices=[
            ("paper_form", _("A signed paper form at the counter")),
            ("phone_call", _("A phone call")),
            ("in_person", _("In person")),
            ("kakao_channel", _("A KakaoTalk channel message")),
        ],
    )
    wording = forms.CharField(
        label=_("What they agreed to, as they saw or heard it"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    decided_on = forms.DateField(label=_("When"), widget=forms.DateInput(attrs={"type": "date"}))
