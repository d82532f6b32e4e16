from __future__ import annotations

import datetime as dt

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from patron.accounts.roles import Role
from patron.accounts.services import account_managers, display_name
from patron.commerce.importers.profiles import PROFILES
from patron.commerce.models import OfferingKind
from patron.commerce.wording import FIELD_NAMES
from patron.core.wording import say
from patron.insight.models import Stage
from patron.outreach.models import (
    CAPPED,
    Cadence,
    CadenceRule,
    Campaign,
    Event,
    Incident,
    KakaoTemplate,
    KakaoTemplateStatus,
    MessageClass,
    Segment,
    Template,
)
from patron.parties.models import Channel, Purpose, RelationshipKind

PROFILE_LABELS = {
    "shopify": "Shopify",
    "stripe": "Stripe",
    "woocommerce": "WooCommerce",
    "square": "Square",
    "smartstore": _("Naver SmartStore"),
    "coupang": _("Coupang Wing"),
    "cafe24": "Cafe24",
    "11st": _("11st"),
    "esm": _("Gmarket / Auction (ESM)"),
    "generic": _("Any other spreadsheet"),
}


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Export file (CSV, XLSX or XLS)"))
    profile = forms.ChoiceField(
        label=_("Format"),
        required=False,
        choices=[("", _("Recognise from the headers"))]
        + [(p, PROFILE_LABELS.get(p, p)) for p in PROFILES],
    )
    source = forms.CharField(
        label=_("Source: the system the file came from"),
        required=False,
        max_length=32,
        help_text=_(
            "Order numbers are unique per source. Leave empty for a shop's own export "
            "(Shopify, Stripe, ...); name it when two systems could use the same numbers."
        ),
    )
    encoding = forms.ChoiceField(
        label=_("Text encoding (CSV)"),
        required=False,
        choices=[
            ("", _("Recognise it")),
            ("utf-8", "UTF-8"),
            ("cp949", _("Korean (CP949 / EUC-KR)")),
            ("utf-16", "UTF-16"),
            ("shift_jis", _("Japanese (Shift_JIS)")),
            ("cp1252", _("Western European (Windows-1252)")),
        ],
    )
    password = forms.CharField(
        label=_("Password of the workbook, if it has one"),
        required=False,
        max_length=255,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=_(
            "SmartStore downloads are often protected. Used to open the file, kept nowhere."
        ),
    )
    preview = forms.BooleanField(
        label=_("Preview first: check and count, keep nothing"), required=False
    )

    def clean_source(self) -> str:
        # One line of text: a source name is shown on pages and written into order keys.
        return " ".join(self.cleaned_data.get("source", "").split())


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


FIELD_LABELS = FIELD_NAMES


class ColumnMappingForm(forms.Form):
    """Which column of the file is which: one choice per column (the CLI's --map)."""

    def __init__(self, columns: list[str], *args, **kwargs) -> None:
        kwargs.setdefault("label_suffix", "")  # a column's name as the file writes it
        super().__init__(*args, **kwargs)
        self.columns = columns
        choices = [("", _("— not used —")), *FIELD_LABELS.items()]
        for i, name in enumerate(columns):
            self.fields[f"c{i}"] = forms.ChoiceField(
                label=name or "—", choices=choices, required=False
            )

    def mapping(self) -> dict[str, str]:
        chosen = {}
        for i, name in enumerate(self.columns):
            field = self.cleaned_data.get(f"c{i}")
            if field and name:
                chosen[name] = field
        return chosen

    def clean(self):
        data = super().clean()
        picked = [value for value in data.values() if value]
        if len(picked) != len(set(picked)):
            raise forms.ValidationError(_("Each meaning can be given to one column only."))
        return data


class StatusMeaningForm(forms.Form):
    """What each status word no rule knew means, for this source (the CLI's --status)."""

    ORDER = [
        ("paid", _("Paid: a purchase")),
        ("pending", _("Not paid yet: no purchase until it is")),
        ("cancelled", _("Cancelled: no purchase")),
        ("refunded", _("Returned or refunded")),
    ]
    BOOKING = [
        ("done", _("Took place")),
        ("booked", _("Booked (upcoming)")),
        ("cancelled", _("Cancelled")),
        ("no_show", _("No-show")),
    ]

    def __init__(self, words: list[str], bookings: bool, *args, **kwargs) -> None:
        kwargs.setdefault("label_suffix", "")  # the status word as the file writes it
        super().__init__(*args, **kwargs)
        self.words = words
        meanings = self.BOOKING if bookings else self.ORDER
        for i, text in enumerate(words):
            self.fields[f"s{i}"] = forms.ChoiceField(
                label=text or "—",
                choices=[("", _("— leave as it is —")), *meanings],
                required=False,
            )

    def meanings(self) -> dict[str, str]:
        return {
            text: self.cleaned_data[f"s{i}"]
            for i, text in enumerate(self.words)
            if self.cleaned_data.get(f"s{i}")
        }


# -- keeping in touch ---------------------------------------------------------------------------


class SegmentForm(forms.Form):
    """The filters a segment saves (patron.outreach.segments.FILTERS)."""

    name = forms.CharField(label=_("Name"), max_length=120)
    kind = forms.MultipleChoiceField(
        label=_("Relationship"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=[
            (RelationshipKind.CUSTOMER, RelationshipKind.CUSTOMER.label),
            (RelationshipKind.CLIENT, RelationshipKind.CLIENT.label),
        ],
    )
    stage = forms.MultipleChoiceField(
        label=_("Stage"), required=False, widget=forms.CheckboxSelectMultiple, choices=[]
    )
    min_value = forms.DecimalField(
        label=_("12-month value at least"), required=False, min_value=0, max_value=10**12
    )
    max_value = forms.DecimalField(
        label=_("12-month value at most"), required=False, min_value=0, max_value=10**12
    )
    bought_since = forms.DateField(
        label=_("Bought since"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    quiet_days = forms.IntegerField(
        label=_("No purchase for at least (days)"), required=False, min_value=0, max_value=36_500
    )
    offerings = forms.MultipleChoiceField(label=_("Bought one of"), required=False, choices=[])
    consent = forms.MultipleChoiceField(
        label=_("Agreed to receive"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=[],
    )
    reachable = forms.MultipleChoiceField(
        label=_("Reachable by"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=[],
    )
    locale = forms.MultipleChoiceField(
        label=_("Language"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=[("ko", "한국어"), ("en", "English"), ("", _("Not known"))],
    )
    grade = forms.MultipleChoiceField(
        label=_("Member grade"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=[],
    )

    def __init__(self, *args, offerings=(), grades=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if grades:
            self.fields["grade"].choices = [(str(g.pk), g.name) for g in grades]
        else:
            del self.fields["grade"]  # no grades defined: nothing to choose
        self.fields["stage"].choices = list(Stage.choices)
        self.fields["offerings"].choices = [(str(o.pk), o.name) for o in offerings]
        self.fields["consent"].choices = [
            (p, Purpose(p).label) for p in (Purpose.MARKETING, Purpose.NEWSLETTER, Purpose.SURVEYS)
        ]
        self.fields["reachable"].choices = [
            (Channel.EMAIL, Channel.EMAIL.label),
            (Channel.SMS, Channel.SMS.label),
        ]

    def filters(self) -> dict:
        data = {k: v for k, v in self.cleaned_data.items() if k != "name"}
        for name in ("min_value", "max_value"):
            if data.get(name) is not None:
                data[name] = float(data[name])
        if data.get("bought_since"):
            data["bought_since"] = data["bought_since"].isoformat()
        if data.get("grade"):
            data["grade"] = [int(pk) for pk in data["grade"]]
        return data


class TemplateForm(forms.ModelForm):
    class Meta:
        model = Template
        fields = [
            "name",
            "message_class",
            "format",
            "subject",
            "body",
            "client_subject",
            "client_body",
            "kakao",
        ]
        labels = {
            "name": _("Name"),
            "message_class": _("Kind of message"),
            "format": _("Format"),
            "subject": _("Subject (email)"),
            "body": _("Message to customers"),
            "client_subject": _("Subject for clients"),
            "client_body": _("Message to clients"),
            "kakao": _("KakaoTalk 알림톡 template"),
        }
        help_texts = {
            "body": _("Price, features, ease of use: what makes it worth buying now."),
            "client_body": _(
                "The people behind the business, reviews, years served, work made for them. "
                "Empty: clients get the customers' message."
            ),
        }
        widgets = {
            "body": forms.Textarea(attrs={"rows": 8}),
            "client_body": forms.Textarea(attrs={"rows": 8}),
        }


def _checked_holdout(percent):
    """A holdout is a minority: at most half, so most of those chosen are sent the message."""
    if percent is not None and percent > 50:
        raise forms.ValidationError(_("Keep out at most 50%."), code="holdout")
    return percent


class CampaignForm(forms.ModelForm):
    class Meta:
        model = Campaign
        fields = [
            "name",
            "template",
            "segment",
            "channel",
            "send_at",
            "holdout_percent",
            "advertises",
        ]
        labels = {
            "name": _("Name"),
            "template": _("Template"),
            "segment": _("Segment"),
            "channel": _("Channel"),
            "send_at": _("Send at (empty: when launched)"),
            "holdout_percent": _(
                "Keep this share out at random to measure what it does (%; empty: 10% for a "
                "promotion, none for anything else)"
            ),
            "advertises": _("What it advertises (for the 6-month purchase exception)"),
        }
        widgets = {"send_at": forms.DateTimeInput(attrs={"type": "datetime-local"})}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Archived templates and segments are kept for history, not offered again.
        # Archived ones are offered no more, except the one this draft already uses.
        kept_template = Q(pk=self.instance.template_id) if self.instance.template_id else Q()
        kept_segment = Q(pk=self.instance.segment_id) if self.instance.segment_id else Q()
        self.fields["template"].queryset = Template.objects.filter(
            Q(archived_at__isnull=True) | kept_template
        )
        self.fields["segment"].queryset = Segment.objects.filter(
            Q(archived_at__isnull=True) | kept_segment
        )

    def clean_holdout_percent(self):
        return _checked_holdout(self.cleaned_data.get("holdout_percent"))

    def clean_send_at(self):
        send_at = self.cleaned_data.get("send_at")
        # A time already past would send at launch, unlike what the form says it will do.
        if send_at is not None and send_at < timezone.now() - dt.timedelta(minutes=1):
            raise forms.ValidationError(
                _(
                    "That time has passed. Choose a later one, or leave it empty to send "
                    "when launched."
                ),
                code="past",
            )
        return send_at


class IncidentForm(forms.ModelForm):
    class Meta:
        model = Incident
        fields = ["title", "description", "offerings", "starts_at", "ends_at"]
        labels = {
            "title": _("What happened, in a few words"),
            "description": _("What happened and what you are doing about it"),
            "offerings": _("Which offerings or services (none: every order in the window)"),
            "starts_at": _("From"),
            "ends_at": _("Until"),
        }
        widgets = {
            "starts_at": forms.DateTimeInput(attrs={"type": "datetime-local"}),
            "ends_at": forms.DateTimeInput(attrs={"type": "datetime-local"}),
            "description": forms.Textarea(attrs={"rows": 4}),
        }

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("starts_at"), cleaned.get("ends_at")
        if start and end and end < start:
            self.add_error("ends_at", _("The end comes before the start."))
        return cleaned


class EventForm(forms.ModelForm):
    class Meta:
        model = Event
        fields = [
            "title",
            "description",
            "starts_at",
            "place",
            "capacity",
            "segment",
            "message_class",
        ]
        labels = {
            "title": _("Title"),
            "description": _("What it is"),
            "starts_at": _("Starts"),
            "place": _("Place or link"),
            "capacity": _("Places (empty: no limit)"),
            "segment": _("Invite"),
            "message_class": _("Kind of invitation"),
        }
        widgets = {
            "starts_at": forms.DateTimeInput(attrs={"type": "datetime-local"}),
            "description": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # An invitation is marketing: it needs consent and keeps to the budget.
        self.fields["message_class"].choices = [
            (value, label) for value, label in MessageClass.choices if value in CAPPED
        ]
        self.fields["segment"].queryset = Segment.objects.filter(archived_at__isnull=True)

    def clean_starts_at(self):
        starts_at = self.cleaned_data.get("starts_at")
        unchanged = self.instance.pk is not None and starts_at == self.instance.starts_at
        # An event under way keeps its time when its place or words are corrected.
        if starts_at is not None and starts_at < timezone.now() and not unchanged:
            raise forms.ValidationError(say({"code": "event.past"}), code="past")
        return starts_at

    def clean_capacity(self):
        capacity = self.cleaned_data.get("capacity")
        if capacity is not None and capacity < 1:
            raise forms.ValidationError(say({"code": "event.no_places"}), code="no_places")
        return capacity


class KakaoTemplateForm(forms.ModelForm):
    variables_text = forms.CharField(
        label=_("Variables: one per line, the variable, “=” and a merge field"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="#{고객명}=first_name",  # an example, the same in every language
    )

    class Meta:
        model = KakaoTemplate
        fields = ["name", "code", "text", "status"]
        labels = {
            "name": _("Name"),
            "code": _("Template code (as registered with Kakao)"),
            "text": _("The approved text, exactly"),
            "status": _("Kakao's review"),
        }
        widgets = {"text": forms.Textarea(attrs={"rows": 5})}
        # Said in our words: Django's own ("Kakao template의 Code은/는 이미 존재합니다")
        # mixes the model's English name into a Korean sentence.
        error_messages = {"code": {"unique": _("A template with this code is registered already.")}}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is None:
            # Said by the owner, never assumed: an unapproved template sent fails at Kakao.
            self.initial.setdefault("status", KakaoTemplateStatus.REQUESTED)

    def clean_variables_text(self) -> dict:
        variables = {}
        for number, line in enumerate(self.cleaned_data["variables_text"].splitlines(), 1):
            if not line.strip():
                continue
            name, sep, field = line.partition("=")
            if not sep:
                raise forms.ValidationError(
                    _("Line %(n)s: write the variable, “=” and a merge field.") % {"n": number}
                )
            # The merge field as templates write it ("{{ first_name }}") or bare ("first_name").
            field = field.strip().removeprefix("{{").removesuffix("}}").strip()
            variables[name.strip()] = field
        return variables


class CadenceForm(forms.ModelForm):
    class Meta:
        model = Cadence
        fields = [
            "name",
            "rule",
            "kind",
            "days",
            "template",
            "channel",
            "holdout_percent",
            "enabled",
        ]
        labels = {
            "name": _("Name"),
            "rule": _("When"),
            "kind": _("For"),
            "days": _("Days (quiet days, days after, or day of the month)"),
            "template": _("Template (none for a check-in task)"),
            "channel": _("Channel"),
            "holdout_percent": _(
                "Keep this share out at random to measure what it does (%; empty: 10% for a "
                "promotion, none for anything else)"
            ),
            "enabled": _("On"),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"] = forms.ChoiceField(
            label=_("For"),
            choices=[
                ("*", _("Every relationship")),
                (RelationshipKind.CUSTOMER, RelationshipKind.CUSTOMER.label),
                (RelationshipKind.CLIENT, RelationshipKind.CLIENT.label),
            ],
        )
        self.fields["days"].widget.attrs["max"] = 3650

    def clean_holdout_percent(self):
        return _checked_holdout(self.cleaned_data.get("holdout_percent"))

    def clean(self):
        cleaned = super().clean()
        rule, template = cleaned.get("rule"), cleaned.get("template")
        if rule == CadenceRule.CHECK_IN and template is not None:
            self.add_error("template", _("A check-in is a task for a person: no template."))
        if rule and rule != CadenceRule.CHECK_IN and template is None:
            self.add_error("template", _("Choose the template this cadence sends."))
        if (cleaned.get("days") or 0) > 3650:
            self.add_error("days", _("At most 3,650 days."))
        return cleaned


class ApiTokenForm(forms.Form):
    """A token's name, how long it lasts, and for each area: none, read, or read and write."""

    name = forms.CharField(label=_("What uses it (your shop, your till)"), max_length=100)
    days = forms.IntegerField(
        label=_("Lasts this many days (at most 365)"), min_value=1, max_value=365, initial=90
    )

    def __init__(self, *args, **kwargs) -> None:
        from patron.accounts.models import TokenArea

        super().__init__(*args, **kwargs)
        for area, label in TokenArea.choices:
            self.fields[f"area_{area}"] = forms.ChoiceField(
                label=label,
                required=False,
                choices=[("", _("No")), ("read", _("Read")), ("write", _("Read and write"))],
            )

    def scopes(self) -> dict[str, str]:
        return {
            name.removeprefix("area_"): value
            for name, value in self.cleaned_data.items()
            if name.startswith("area_") and value
        }
