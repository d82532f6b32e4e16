"""Forms of the listening pages: what a party said, a call, a reply, closing, the surveys."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from patron.feedback.models import Cause, Severity, Survey
from patron.outreach.models import Incident
from patron.parties.models import RelationshipKind


class NewItemForm(forms.Form):
    text = forms.CharField(
        label=_("What did they say?"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000
    )
    severity = forms.ChoiceField(label=_("How serious"), choices=Severity.choices)
    incident = forms.ModelChoiceField(
        label=_("About an incident"),
        queryset=Incident.objects.none(),
        required=False,
        empty_label=_("No"),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # The incidents of the last three months, the latest first.
        since = timezone.now() - dt.timedelta(days=90)
        self.fields["incident"].queryset = Incident.objects.filter(starts_at__gte=since).order_by(
            "-starts_at"
        )


class ResponseTimesForm(forms.Form):
    """Working hours to the first response and to the resolution, per kind and severity."""

    def __init__(self, *args, table: dict, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for (kind, severity), (respond, resolve) in sorted(table.items()):
            for what, hours in (("respond", respond), ("resolve", resolve)):
                self.fields[f"{kind}|{severity}|{what}"] = forms.FloatField(
                    min_value=0.5, max_value=2000, initial=hours
                )

    def rows(self) -> list[tuple[str, str, object, object]]:
        found = {}
        for name in self.fields:
            kind, severity, _what = name.split("|")
            found[(kind, severity)] = (
                self[f"{kind}|{severity}|respond"],
                self[f"{kind}|{severity}|resolve"],
            )
        return [(kind, severity, *fields) for (kind, severity), fields in found.items()]


class NoteForm(forms.Form):
    note = forms.CharField(
        label=_("What was said"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )


class CloseForm(forms.Form):
    resolution = forms.CharField(
        label=_("What was done"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000
    )
    cause = forms.ChoiceField(label=_("Cause"), choices=[("", "—"), *Cause.choices])


class SurveyWordsForm(forms.ModelForm):
    class Meta:
        model = Survey
        fields = [
            "question_en",
            "question_ko",
            "reason_en",
            "reason_ko",
            "delay_hours",
            "kakao",
            "enabled",
        ]
        labels = {
            "question_en": _("Question (English)"),
            "question_ko": _("Question (Korean)"),
            "reason_en": _("Follow-up question (English)"),
            "reason_ko": _("Follow-up question (Korean)"),
            "delay_hours": _("Hours after the service or the order"),
            "kakao": _("KakaoTalk 알림톡 template to invite with (else a text, else an email)"),
            "enabled": _("Ask it"),
        }
        help_texts = {
            "question_en": _(
                "{business} is replaced by the business's name, {subject} by what it asks about."
            ),
        }


SCHEDULED_KINDS = (RelationshipKind.CLIENT, RelationshipKind.CUSTOMER)


class NpsScheduleForm(forms.Form):
    """Days between two NPS asks per relationship kind (0: never)."""

    client = forms.IntegerField(label=_("Clients: every … days"), min_value=0, max_value=3650)
    customer = forms.IntegerField(label=_("Customers: every … days"), min_value=0, max_value=3650)
    other = forms.IntegerField(label=_("Everyone else: every … days"), min_value=0, max_value=3650)
    gap_days = forms.IntegerField(
        label=_("At most one survey per person in … days"), min_value=0, max_value=365
    )

    @staticmethod
    def initial_from(survey: Survey, gap_days: int) -> dict:
        every = survey.every_days or {}
        return {
            "client": every.get(RelationshipKind.CLIENT, every.get("*", 0)),
            "customer": every.get(RelationshipKind.CUSTOMER, every.get("*", 0)),
            "other": every.get("*", 0),
            "gap_days": gap_days,
        }

    def every_days(self) -> dict:
        data = self.cleaned_data
        return {
            RelationshipKind.CLIENT: data["client"],
            RelationshipKind.CUSTOMER: data["customer"],
            "*": data["other"],
        }
