"""Account plans and the manager's book: the partnership with a client (goals set together,
their milestones, review dates on the manager's Today page), and each manager's clients at a
glance. Reassigning a client keeps its history and tells the new manager."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from patron.accounts.roles import is_owner
from patron.core.problems import Problem
from patron.outreach.models import LEFT, OutboxMessage, Task
from patron.parties.activity import record_activity
from patron.parties.models import Activity, Party, RelationshipKind

from .items import OPEN
from .models import AccountPlan, FeedbackItem, Goal, GoalStatus, Milestone, MilestoneStatus

REVIEW_AHEAD = dt.timedelta(days=7)  # reviews shown on Today this many days before


class PlanRefused(Problem):
    """A plan change that cannot be made so."""


def plan_of(party: Party) -> AccountPlan | None:
    return AccountPlan.objects.filter(party=party).prefetch_related("goals__milestones").first()


def do_save_plan(party: Party, *, summary: str, next_review: dt.date | None, actor) -> AccountPlan:
    plan, _created = AccountPlan.objects.get_or_create(party=party)
    changed_review = plan.next_review != next_review
    plan.summary = summary.strip()[:4000]
    plan.next_review = next_review
    plan.updated_at = timezone.now()
    plan.save()
    if changed_review and next_review:
        record_activity(
            party, "plan.review_set", actor=actor, data={"day": next_review.isoformat()}
        )
    return plan


def do_add_goal(
    party: Party, *, title: str, measure: str, target_date: dt.date | None, actor
) -> Goal:
    if not title.strip():
        raise PlanRefused("plan.no_title")
    plan, _created = AccountPlan.objects.get_or_create(party=party)
    goal = Goal.objects.create(
        plan=plan, title=title.strip()[:200], measure=measure.strip()[:200], target_date=target_date
    )
    record_activity(
        party, "plan.goal_added", actor=actor, data={"goal": goal.pk, "title": goal.title}
    )
    return goal


def do_set_goal_status(goal: Goal, status: str, *, actor) -> Goal:
    if status not in GoalStatus.values:
        raise PlanRefused("plan.bad_status", status=status)
    if goal.status != status:
        goal.status = status
        goal.save(update_fields=["status"])
        record_activity(
            goal.plan.party_id,
            "plan.goal_status",
            actor=actor,
            data={"goal": goal.pk, "title": goal.title, "status": status},
        )
    return goal


def do_add_milestone(goal: Goal, *, title: str, due: dt.date | None, actor) -> Milestone:
    if not title.strip():
        raise PlanRefused("plan.no_title")
    return Milestone.objects.create(goal=goal, title=title.strip()[:200], due=due)


def do_set_milestone(milestone: Milestone, status: str, *, actor) -> Milestone:
    if status not in MilestoneStatus.values:
        raise PlanRefused("plan.bad_status", status=status)
    milestone.status = status
    milestone.done_at = timezone.now() if status == MilestoneStatus.DONE else None
    milestone.save(update_fields=["status", "done_at"])
    if status == MilestoneStatus.DONE:
        record_activity(
            milestone.goal.plan.party_id,
            "plan.milestone_done",
            actor=actor,
            data={"milestone": milestone.pk, "title": milestone.title},
        )
    return milestone


def late_milestones(plan: AccountPlan, today: dt.date) -> int:
    return Milestone.objects.filter(
        goal__plan=plan, status=MilestoneStatus.PLANNED, due__lt=today
    ).count()


def reviews_due(user, today: dt.date | None = None):
    """The manager's clients whose review comes within a week (or was missed)."""
    today = today or timezone.localdate()
    plans = AccountPlan.objects.filter(
        next_review__isnull=False,
        next_review__lte=today + REVIEW_AHEAD,
        party__merged_into__isnull=True,
    ).select_related("party")
    if user is not None:
        mine = Q(party__relationship__owner=user)
        if is_owner(user):  # a client without a manager is the owner's to review
            mine |= Q(party__relationship__owner__isnull=True)
        plans = plans.filter(mine)
    return plans.order_by("next_review")


# -- the manager's book ------------------------------------------------------------------------


@dataclass(frozen=True)
class BookRow:
    party: Party
    stage: str
    value: float | None
    last_contact: dt.datetime | None
    open_feedback: int
    next_review: dt.date | None


def book_parties(manager):
    """The manager's clients with what the book shows, the most valuable first (a query: the
    page takes its page of it)."""
    sent = (
        OutboxMessage.objects.filter(party=OuterRef("pk"), status__in=LEFT)
        .order_by("-sent_at")
        .values("sent_at")[:1]
    )
    logged = (
        Activity.objects.filter(
            party=OuterRef("pk"), verb__in=("task.done", "feedback.called", "feedback.replied")
        )
        .order_by("-occurred_at")
        .values("occurred_at")[:1]
    )
    open_items = (
        FeedbackItem.objects.filter(party=OuterRef("pk"), status__in=OPEN)
        .values("party")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        Party.objects.filter(
            merged_into__isnull=True,
            relationship__owner=manager,
            relationship__kind=RelationshipKind.CLIENT,
        )
        .select_related("score", "account_plan")
        .annotate(
            last_sent=Subquery(sent),
            last_logged=Subquery(logged),
            open_feedback=Coalesce(Subquery(open_items), 0),
        )
        .order_by(F("score__clv").desc(nulls_last=True), "pk")
    )


def book_rows(parties) -> list[BookRow]:
    rows = []
    for party in parties:
        score = getattr(party, "score", None)
        plan = getattr(party, "account_plan", None)
        contacts = [moment for moment in (party.last_sent, party.last_logged) if moment]
        rows.append(
            BookRow(
                party,
                score.stage if score else "",
                score.clv if score else None,
                max(contacts) if contacts else None,
                party.open_feedback,
                plan.next_review if plan else None,
            )
        )
    return rows


def book(manager) -> list[BookRow]:
    """The whole book (the CLI, the tests); the page shows it a page at a time."""
    return book_rows(book_parties(manager))


def tell_new_manager(party: Party, *, previous, manager, actor) -> Task | None:
    """A client given to another manager: their open feedback is the new manager's, and a
    task asks them to get to know the client (the history stays on the party: orders,
    timeline, plan and feedback)."""
    if manager is None or manager == previous:
        return None
    stamp = timezone.now().strftime("%Y%m%d%H%M%S")
    with transaction.atomic():
        # Open feedback follows the client to the manager who answers for them now.
        FeedbackItem.objects.filter(party=party, status__in=OPEN).update(owner=manager)
        task = Task.objects.create(
            party=party,
            assignee=manager,
            action={
                "code": "task.new_client",
                "previous": previous.get_username() if previous else "",
                "open_feedback": FeedbackItem.objects.filter(party=party, status__in=OPEN).count(),
            },
            due=timezone.localdate(),
            dedupe_key=f"reassigned:{party.pk}:{manager.pk}:{stamp}",
        )
    return task
