"""How the listening app's messages read: refusals, skips and timeline entries."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext as _

from patron.core.wording import number, wording

from .models import Cause, ItemSource, Severity, SurveyKind


def _label(choices, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def kind_name(kind: str) -> str:
    return "NPS" if kind == SurveyKind.NPS else "CSAT"


def local_time(moment: str) -> str:
    from patron.outreach.rules import KOREA

    try:
        return dt.datetime.fromisoformat(moment).astimezone(KOREA).strftime("%Y-%m-%d %H:%M")
    except (TypeError, ValueError):
        return moment or ""


# -- refusals ---------------------------------------------------------------------------------


@wording("survey.empty_question")
def _empty_question(**_rest: Any) -> str:
    return _("Every question needs its words, in English and in Korean.")


@wording("survey.reward_is_advertising")
def _reward(signs: str = "", **_rest: Any) -> str:
    return _(
        "These words offer something for answering (%(signs)s). A survey that rewards answers "
        "is advertising under the law (KISA's reading of §50): it would need consent, the "
        "“(광고)” mark and the night rule. Remove the offer, or send it as a campaign."
    ) % {"signs": signs}


@wording("survey.kakao_without_link")
def _kakao_without_link(**_rest: Any) -> str:
    return _(
        "A survey invitation's 알림톡 template must carry the survey link: map one of its "
        "variables to survey_url."
    )


@wording("survey.bad_schedule")
def _bad_schedule(kind: str = "", **_rest: Any) -> str:
    return _("The days between two surveys must be a number from 0 to 3650 (%(kind)s).") % {
        "kind": kind
    }


@wording("survey.bad_score")
def _bad_score(low: int = 0, high: int = 10, **_rest: Any) -> str:
    return _("Please choose a number from %(low)s to %(high)s.") % {"low": low, "high": high}


@wording("survey.not_sent")
def _not_sent(**_rest: Any) -> str:
    return _("This survey was never sent.")


@wording("survey.expired")
def _expired(**_rest: Any) -> str:
    return _("This survey has closed. Thank you all the same.")


@wording("survey.closed_for_changes")
def _closed(**_rest: Any) -> str:
    return _("Your answer is saved and can no longer be changed.")


@wording("feedback.bad_source")
def _bad_source(source: str = "", **_rest: Any) -> str:
    return _("“%(source)s” is not a source of feedback.") % {"source": source}


@wording("feedback.bad_severity")
def _bad_severity(severity: str = "", **_rest: Any) -> str:
    return _("“%(severity)s” is not a severity: normal, high or critical.") % {"severity": severity}


@wording("feedback.no_text")
def _no_text(**_rest: Any) -> str:
    return _("Write down what the party said.")


@wording("feedback.no_note")
def _no_note(**_rest: Any) -> str:
    return _("Write down what was said.")


@wording("feedback.no_resolution")
def _no_resolution(**_rest: Any) -> str:
    return _("Write down what was done before closing.")


@wording("feedback.no_cause")
def _no_cause(**_rest: Any) -> str:
    return _("Choose the cause before closing.")


@wording("feedback.closed")
def _is_closed(**_rest: Any) -> str:
    return _("This item is closed.")


@wording("feedback.already_waiting")
def _already_waiting(**_rest: Any) -> str:
    return _("Already waiting on the party.")


@wording("feedback.not_waiting")
def _not_waiting(**_rest: Any) -> str:
    return _("This item is not waiting on the party.")


@wording("feedback.unreachable")
def _unreachable(**_rest: Any) -> str:
    return _("There is no number or email to write to. Call them, and log the call.")


# -- why a survey was not asked ------------------------------------------------------------------


@wording("survey.skip.open_complaint")
def _skip_complaint(**_rest: Any) -> str:
    return _("Not asked: a complaint of theirs is open")


@wording("survey.skip.recent")
def _skip_recent(days: int = 30, **_rest: Any) -> str:
    return _("Not asked: asked another survey within %(days)s days") % {"days": days}


@wording("survey.skip.unreachable")
def _skip_unreachable(**_rest: Any) -> str:
    return _("Not asked: no number or email")


@wording("survey.skip.declined")
def _skip_declined(**_rest: Any) -> str:
    return _("Not asked: they said no to surveys")


@wording("feedback.reopened_unhappy")
def _reopened_unhappy(score: int = 0, **_rest: Any) -> str:
    return _("the follow-up survey was answered %(score)s") % {"score": score}


@wording("feedback.answer_changed")
def _answer_changed(score: int = 0, **_rest: Any) -> str:
    return _("they changed their answer to %(score)s") % {"score": score}


@wording("feedback.reopened_by_member")
def _reopened_by_member(**_rest: Any) -> str:
    return _("a member opened it again")


# -- the timeline ---------------------------------------------------------------------------------


@wording("activity.survey.invited")
def _invited(kind: str = "", **_rest: Any) -> str:
    return _("Asked the %(kind)s survey") % {"kind": kind_name(kind)}


@wording("activity.survey.answered")
def _answered(kind: str = "", score: int = 0, **_rest: Any) -> str:
    return _("Answered the %(kind)s survey: %(score)s") % {"kind": kind_name(kind), "score": score}


@wording("activity.survey.changed")
def _changed(kind: str = "", score: int = 0, **_rest: Any) -> str:
    return _("Changed their %(kind)s answer to %(score)s") % {
        "kind": kind_name(kind),
        "score": score,
    }


@wording("activity.feedback.opened")
def _opened(source: str = "", severity: str = "", due: str = "", item: int = 0, **_rest: Any):
    return _("Feedback #%(item)s opened (%(source)s, %(severity)s); first response due %(due)s") % {
        "item": item,
        "source": _label(ItemSource, source),
        "severity": _label(Severity, severity),
        "due": local_time(due) or _("when the clock runs again"),
    }


@wording("activity.feedback.called")
def _called(item: int = 0, note: str = "", **_rest: Any) -> str:
    return _("Called about feedback #%(item)s: %(note)s") % {"item": item, "note": note}


@wording("activity.feedback.replied")
def _replied(item: int = 0, **_rest: Any) -> str:
    return _("Wrote back about feedback #%(item)s") % {"item": item}


@wording("activity.feedback.waiting")
def _waiting(item: int = 0, **_rest: Any) -> str:
    return _("Feedback #%(item)s waits on them: the clock stopped") % {"item": item}


@wording("activity.feedback.resumed")
def _resumed(item: int = 0, **_rest: Any) -> str:
    return _("Feedback #%(item)s: they answered, the clock runs again") % {"item": item}


@wording("activity.feedback.closed")
def _item_closed(item: int = 0, cause: str = "", reason=None, **_rest: Any) -> str:
    from patron.core.wording import say

    if reason:
        return _("Feedback #%(item)s closed: %(reason)s") % {"item": item, "reason": say(reason)}
    return _("Feedback #%(item)s closed (cause: %(cause)s)") % {
        "item": item,
        "cause": _label(Cause, cause),
    }


@wording("activity.feedback.reopened")
def _reopened(item: int = 0, reason=None, **_rest: Any) -> str:
    from patron.core.wording import say

    return _("Feedback #%(item)s reopened: %(reason)s") % {"item": item, "reason": say(reason)}


@wording("activity.feedback.escalated")
def _escalated(item: int = 0, hours_late: float = 0, **_rest: Any) -> str:
    return _("Feedback #%(item)s is %(hours)s working hours late: passed to the owner") % {
        "item": item,
        "hours": number(hours_late),
    }


# -- "you said, we did" ---------------------------------------------------------------------------


@wording("change.no_title")
def _change_no_title(**_rest: Any) -> str:
    return _("Say what you changed, in a few words.")


@wording("change.already_told")
def _change_told(**_rest: Any) -> str:
    return _("Those who asked were already told of this change.")


@wording("change.nobody")
def _change_nobody(**_rest: Any) -> str:
    return _("Link the feedback that asked for it first: nobody would be told.")


@wording("feedback.closed_by_change")
def _closed_by_change(change: int = 0, **_rest: Any) -> str:
    return _("answered by change #%(change)s") % {"change": change}


@wording("activity.change.told")
def _change_told_entry(title: str = "", **_rest: Any) -> str:
    return _("A message queued to them: what they asked for was done: %(title)s") % {"title": title}


# -- pilots ---------------------------------------------------------------------------------------


@wording("pilot.launched")
def _pilot_launched(**_rest: Any) -> str:
    return _("This pilot has already launched.")


@wording("pilot.not_eligible")
def _pilot_not_eligible(count: int = 0, **_rest: Any) -> str:
    return _(
        "%(count)s of those chosen are not consenting, satisfied clients now: the panel is "
        "chosen from the proposed list."
    ) % {"count": count}


@wording("pilot.no_words")
def _pilot_no_words(**_rest: Any) -> str:
    return _("Write the invitation first.")


@wording("pilot.no_panel")
def _pilot_no_panel(**_rest: Any) -> str:
    return _("Choose the panel first.")


@wording("pilot.not_running")
def _pilot_not_running(**_rest: Any) -> str:
    return _("Invite the panel before asking how it went.")


@wording("pilot.not_member")
def _pilot_not_member(**_rest: Any) -> str:
    return _("Only a member of the panel can report a problem with the pilot.")


@wording("pilot.problems_open")
def _pilot_problems_open(count: int = 0, **_rest: Any) -> str:
    return _(
        "%(count)s problems the panel reported are still open. Launch anyway only if you "
        "are sure, and say so."
    ) % {"count": count}


@wording("pilot.not_ready")
def _pilot_not_ready(**_rest: Any) -> str:
    return _(
        "The pilot is not ready: too few answers, or too few satisfied. Launch anyway only if "
        "you are sure, and say so."
    )


@wording("pilot.reason.tenure")
def _reason_tenure(years: int = 0, since: str = "", **_rest: Any) -> str:
    return _("A client since %(since)s (%(years)s years)") % {"since": since, "years": years}


@wording("pilot.reason.satisfied")
def _reason_satisfied(kind: str = "", score: int = 0, day: str = "", **_rest: Any) -> str:
    return _("Answered %(kind)s %(score)s on %(day)s") % {
        "kind": kind_name(kind),
        "score": score,
        "day": day,
    }


@wording("pilot.reason.consented")
def _reason_consented(channel: str = "", **_rest: Any) -> str:
    from patron.outreach.wording import channel_label

    return _("Agreed to hear offers by %(channel)s") % {"channel": channel_label(channel)}


@wording("activity.pilot.invited")
def _pilot_invited(title: str = "", **_rest: Any) -> str:
    return _("Invited to try “%(title)s” before launch") % {"title": title}


# -- account plans --------------------------------------------------------------------------------


@wording("plan.no_title")
def _plan_no_title(**_rest: Any) -> str:
    return _("Give it a title.")


@wording("plan.bad_status")
def _plan_bad_status(status: str = "", **_rest: Any) -> str:
    return _("“%(status)s” is not a status.") % {"status": status}


@wording("activity.plan.review_set")
def _review_set(day: str = "", **_rest: Any) -> str:
    return _("Account review set for %(day)s") % {"day": day}


@wording("activity.plan.goal_added")
def _goal_added(title: str = "", **_rest: Any) -> str:
    return _("Shared goal set: %(title)s") % {"title": title}


@wording("activity.plan.goal_status")
def _goal_status(title: str = "", status: str = "", **_rest: Any) -> str:
    from .models import GoalStatus

    return _("Goal “%(title)s”: %(status)s") % {
        "title": title,
        "status": _label(GoalStatus, status),
    }


@wording("activity.plan.milestone_done")
def _milestone_done(title: str = "", **_rest: Any) -> str:
    return _("Milestone done: %(title)s") % {"title": title}


@wording("task.new_client")
def _new_client(previous: str = "", open_feedback: int = 0, **_rest: Any) -> str:
    text = (
        _("A client given to you (from %(previous)s): get to know them") % {"previous": previous}
        if previous
        else _("A client given to you: get to know them")
    )
    if open_feedback:
        text += " · " + _("%(n)s open feedback") % {"n": open_feedback}
    return text
