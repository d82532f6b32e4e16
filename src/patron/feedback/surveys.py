"""Asking: who is asked what and when, through which channel, and taking the answer.

A survey about what a party bought or was served is a service message, not advertising
(정보통신망법 §50 covers advertising; KISA reads a reward for answering as advertising, so a
survey whose words offer one is refused here). It needs no marketing consent, but a party who
said "no surveys" on a channel is never asked on it, and nobody is asked more than once in
``gap_days`` across every channel, nor while a complaint of theirs is open.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from collections import Counter
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, IntegerField, OuterRef, Q, QuerySet
from django.db.models.functions import Mod
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from patron.commerce.bookings import BOOKING_KINDS, took_place
from patron.commerce.models import NOT_PURCHASED, Engagement, Order
from patron.core.business import business
from patron.core.formats import korean_particles
from patron.core.problems import Problem
from patron.outreach import links, rules
from patron.outreach.channels.status import channel_states
from patron.outreach.models import KakaoTemplateStatus, MessageClass, OutboxStatus, Suppression
from patron.outreach.services import party_address, queue_notice
from patron.parties.activity import record_activity
from patron.parties.consent import current_consents
from patron.parties.models import Channel, Party, Purpose, RelationshipKind
from patron.parties.queries import live_parties

from .models import (
    SCALE,
    FeedbackItem,
    InvitationStatus,
    ItemSource,
    ItemStatus,
    ListeningSettings,
    Severity,
    Survey,
    SurveyInvitation,
    SurveyKind,
)

_SALT = "patron.feedback.survey"
logger = logging.getLogger(__name__)
ANY = "*"
# How a survey about what a party bought is sent: a service message that honours a "no".
BASIS = {"code": rules.SURVEY_BASIS}
# Complaints that stop surveys until they are closed.
COMPLAINT = (Severity.HIGH, Severity.CRITICAL)
COMPLAINT_SOURCES = (ItemSource.SURVEY, ItemSource.MEMBER, ItemSource.INCIDENT)
OPEN_STATES = (ItemStatus.OPEN, ItemStatus.WAITING)
# Reasons that pass: an NPS skipped for one is asked again while its period lasts.
WAIT_REASONS = ("survey.skip.recent", "survey.skip.open_complaint")
FOLLOW_UP_AFTER = dt.timedelta(hours=24)

DEFAULT_WORDS = {
    SurveyKind.NPS: {
        "question_en": "How likely are you to recommend {business} to a friend or colleague?",
        "question_ko": "{business}을(를) 친구나 동료에게 추천하실 가능성은 얼마나 되나요?",
        "reason_en": "What is the main reason for your score?",
        "reason_ko": "그렇게 답하신 가장 큰 이유는 무엇인가요?",
        "every_days": {RelationshipKind.CLIENT: 180, ANY: 365},
    },
    SurveyKind.CSAT: {
        "question_en": "How satisfied were you with {subject}?",
        "question_ko": "{subject}에 얼마나 만족하셨나요?",
        "reason_en": "What could we have done better?",
        "reason_ko": "저희가 무엇을 더 잘할 수 있었을까요?",
        "every_days": {},
    },
}


class SurveyRefused(Problem):
    """A survey that cannot be saved, sent or answered so."""


def listening_settings() -> ListeningSettings:
    row, _created = ListeningSettings.objects.get_or_create(pk=1)
    return row


def general_survey(kind: str) -> Survey:
    """The survey of a kind for everything without its own (made with the defaults once)."""
    survey = Survey.objects.filter(kind=kind, offering__isnull=True).first()
    if survey is not None:
        return survey
    try:
        with transaction.atomic():
            return Survey.objects.create(kind=kind, **DEFAULT_WORDS[kind])
    except IntegrityError:  # made meanwhile by another process
        return Survey.objects.get(kind=kind, offering__isnull=True)


def check_survey(survey: Survey) -> None:
    """Refuse words that offer something for answering (a reward makes it advertising) and
    questions left empty."""
    texts = [survey.question_en, survey.question_ko, survey.reason_en, survey.reason_ko]
    if not all(text.strip() for text in texts):
        raise SurveyRefused("survey.empty_question")
    if survey.kakao_id is not None:
        if "survey_url" not in (survey.kakao.variables or {}).values():
            raise SurveyRefused("survey.kakao_without_link")
        texts.append(survey.kakao.text)
    signs = rules.advertising_signs(*texts)
    if signs:
        raise SurveyRefused("survey.reward_is_advertising", signs=", ".join(signs[:8]))
    for kind, days in (survey.every_days or {}).items():
        if not isinstance(days, int) or days < 0 or days > 3650:
            raise SurveyRefused("survey.bad_schedule", kind=kind)


def do_save_survey(survey: Survey) -> Survey:
    check_survey(survey)
    survey.updated_at = timezone.now()
    survey.save()
    return survey


# -- links -----------------------------------------------------------------------------------


class LinkInvalid(Exception):
    """A tampered, truncated or foreign survey link."""


def invitation_token(invitation: SurveyInvitation) -> str:
    return signing.dumps([invitation.pk, invitation.nonce], salt=_SALT)


def read_invitation(token: str) -> SurveyInvitation:
    """The invitation a link names; LinkInvalid for a link not made by this Patron."""
    try:
        pk, nonce = signing.loads(token, salt=_SALT)
        invitation = SurveyInvitation.objects.select_related("survey", "party").get(pk=int(pk))
    except (signing.BadSignature, ValueError, TypeError, SurveyInvitation.DoesNotExist) as exc:
        raise LinkInvalid from exc
    if not secrets.compare_digest(str(nonce), invitation.nonce):
        raise LinkInvalid
    return invitation


def survey_url(invitation: SurveyInvitation) -> str:
    return links.absolute("survey", invitation_token(invitation))


# -- who is asked ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Ask:
    """One survey to ask one party, about one thing."""

    survey: Survey
    party_id: int
    about: str
    send_at: dt.datetime
    subject: str = ""  # what it asks about, named in the question ({subject})
    offering_id: int | None = None
    engagement_id: int | None = None
    order_id: int | None = None
    follow_up_of: FeedbackItem | None = None
    pilot_id: int | None = None  # a pilot's panel member asked about the offering tried
    retry: bool = False  # asked again after a reason to wait (its first skip is recorded)


def do_plan_surveys(day: dt.date, *, now: dt.datetime | None = None) -> dict[str, int]:
    """The day's surveys: CSAT for what took place or was bought and falls due today (or
    was due yesterday and was missed), and NPS for the parties whose turn it is."""
    now = now or timezone.now()
    start = send_start(day, now)
    asks = [*_csat_asks(day, start, now), *_nps_asks(day, start)]
    counts: Counter = Counter()
    states = channel_states()  # read once for the day's asks, not once per party
    for ask in asks:
        try:
            counts[ask_party(ask, now=now, states=states)] += 1
        except Exception:
            # One party's trouble (a row another process changed, bad data) stops nobody
            # else's survey; it is counted, logged, and asked again tomorrow.
            logger.exception("survey for party %s about %s failed", ask.party_id, ask.about)
            counts["failed"] += 1
    return dict(sorted(counts.items()))


def send_start(day: dt.date, now: dt.datetime) -> dt.datetime:
    """The earliest a survey planned for the day goes: the day's notice hour, never at night."""
    moment = dt.datetime.combine(day, dt.time(business().notice_hour), tzinfo=rules.KOREA)
    return rules.quiet_hours_end(max(moment, now))


def _day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    begin = dt.datetime.combine(day - dt.timedelta(days=1), dt.time(), tzinfo=rules.KOREA)
    return begin, begin + dt.timedelta(days=2)


def _csat_surveys() -> dict[int | None, Survey]:
    """The CSAT survey per offering (None: the general one), enabled ones only."""
    general = general_survey(SurveyKind.CSAT)
    found = {None: general} if general.enabled else {}
    for survey in Survey.objects.filter(kind=SurveyKind.CSAT, offering__isnull=False):
        found[survey.offering_id] = survey if survey.enabled else None
    return found


def _csat_asks(day: dt.date, start: dt.datetime, now: dt.datetime) -> list[Ask]:
    surveys = _csat_surveys()
    if not any(surveys.values()):
        return []
    delays = {s.delay_hours for s in surveys.values() if s is not None}
    begin, end = _day_bounds(day)
    asks: list[Ask] = []
    # Each delay's window: what ended so long ago that its survey falls due in the window.
    for delay in sorted(delays):
        lag = dt.timedelta(hours=delay)
        for engagement in _engagements_ended(begin - lag, end - lag, now):
            survey = _survey_for(surveys, engagement.offering_id)
            if survey is None or survey.delay_hours != delay:
                continue
            ended = engagement.ended_at or engagement.started_at
            asks.append(
                Ask(
                    survey,
                    engagement.party_id,
                    f"engagement:{engagement.pk}",
                    max(start, rules.quiet_hours_end(ended + lag)),
                    subject=engagement.title,
                    offering_id=engagement.offering_id,
                    engagement_id=engagement.pk,
                )
            )
        for order in _orders_made(begin - lag, end - lag).prefetch_related("lines"):
            lines = sorted(order.lines.all(), key=lambda line: line.line_no)
            offering_id = lines[0].offering_id if lines else None
            survey = _survey_for(surveys, offering_id)
            if survey is None or survey.delay_hours != delay:
                continue
            asks.append(
                Ask(
                    survey,
                    order.party_id,
                    f"order:{order.pk}",
                    max(start, rules.quiet_hours_end(order.occurred_at + lag)),
                    subject=_order_subject([line.name for line in lines]),
                    offering_id=offering_id,
                    order_id=order.pk,
                )
            )
    return asks


def _survey_for(surveys: dict[int | None, Survey], offering_id: int | None) -> Survey | None:
    if offering_id is not None and offering_id in surveys:
        return surveys[offering_id]  # the offering's own (None: not asked about it)
    return surveys.get(None)


def _engagements_ended(begin: dt.datetime, end: dt.datetime, now: dt.datetime) -> QuerySet:
    ended = Q(ended_at__gte=begin, ended_at__lt=end)
    visited = Q(
        ended_at__isnull=True, kind__in=BOOKING_KINDS, started_at__gte=begin, started_at__lt=end
    )
    return (
        Engagement.objects.filter(took_place(now), ended | visited)
        .filter(party__merged_into__isnull=True)
        .order_by("pk")
    )


def _orders_made(begin: dt.datetime, end: dt.datetime) -> QuerySet:
    return (
        Order.objects.filter(occurred_at__gte=begin, occurred_at__lt=end)
        .exclude(status__in=NOT_PURCHASED)
        .filter(refunded_amount=0, party__merged_into__isnull=True)
        .order_by("pk")
    )


def _order_subject(names: list[str]) -> str:
    if not names:
        return ""
    return names[0] if len(names) == 1 else _("%(first)s and more") % {"first": names[0]}


def _nps_asks(day: dt.date, start: dt.datetime) -> list[Ask]:
    """Each party's turn comes once in its kind's period, spread over the period by its id
    (a thousand customers are not all asked on one day), if it bought or was served in the
    last year and was not asked in the period."""
    survey = general_survey(SurveyKind.NPS)
    if not survey.enabled:
        return []
    periods = {kind: days for kind, days in (survey.every_days or {}).items() if days}
    if not periods:
        return []
    year_ago = start - dt.timedelta(days=365)
    active = Q(Exists(Order.objects.filter(party=OuterRef("pk"), occurred_at__gte=year_ago))) | Q(
        Exists(Engagement.objects.filter(party=OuterRef("pk"), started_at__gte=year_ago))
    )
    asks: list[Ask] = []
    # A kind set to 0 is never asked: it is not "everyone else" either.
    named = [kind for kind in (survey.every_days or {}) if kind != ANY]
    for kind, days in periods.items():
        parties = live_parties().filter(active)
        if kind == ANY:
            parties = parties.exclude(relationship__kind__in=named)
        else:
            parties = parties.filter(relationship__kind=kind)
        turn = day.toordinal() % days
        period = start - dt.timedelta(days=days - 1)
        asked = sent_invitations().filter(
            party=OuterRef("pk"), kind=SurveyKind.NPS, send_at__gte=period
        )
        parties = parties.exclude(Exists(asked))
        due = parties.annotate(turn=Mod(F("pk"), days, output_field=IntegerField()))
        for pk in due.filter(turn=turn).values_list("pk", flat=True).iterator():
            asks.append(Ask(survey, pk, f"nps:{day.isoformat()}", start))
        # Those whose turn came while another survey or a complaint stood in the way are
        # asked on the first day the way is clear, within their period.
        waited = SurveyInvitation.objects.filter(
            party=OuterRef("pk"),
            kind=SurveyKind.NPS,
            status=InvitationStatus.SKIPPED,
            reason__code__in=WAIT_REASONS,
            send_at__gte=period,
        )
        retry = due.exclude(turn=turn).filter(Exists(waited))
        for pk in retry.values_list("pk", flat=True).iterator():
            asks.append(Ask(survey, pk, f"nps:{day.isoformat()}", start, retry=True))
    return asks


# -- asking one party ------------------------------------------------------------------------


def ask_party(ask: Ask, *, now: dt.datetime | None = None, states=None) -> str:
    """Ask one party, or record why not; the outcome's name (counted by the planner)."""
    now = now or timezone.now()
    with transaction.atomic():
        party = (
            Party.objects.select_related("relationship__owner")
            .select_for_update(of=("self",))  # PostgreSQL locks no outer join's nullable side
            .get(pk=ask.party_id)
        )
        if SurveyInvitation.objects.filter(party=party, about=ask.about).exists():
            return "already_asked"
        reason = _why_not(party, ask)
        if reason is not None and ask.retry and reason["code"] in WAIT_REASONS:
            return "still_waiting"  # its first skip says why; nothing more to record
        channel = None if reason else _best_channel(party, ask.survey, states)
        if reason is None and channel is None:
            reason = _no_channel_reason(party)
        invitation = _invitation(party, ask, reason)
        if reason is not None:
            return "skipped_" + reason["code"].rpartition(".")[2]
        invitation.message = _queue(invitation, party, channel, ask)
        invitation.save(update_fields=["message"])
        record_activity(
            party,
            "survey.invited",
            data={"kind": invitation.kind, "invitation": invitation.pk, "channel": channel},
            at=min(now, ask.send_at),
        )
    return f"invited_{channel}"


def one_person(party: Party) -> list[int]:
    """The party and the records merged into it: one person for the gap and complaints."""
    return [party.pk, *Party.objects.filter(merged_into=party).values_list("pk", flat=True)]


def sent_invitations():
    """Invitations that went or will go: not those never asked, nor those whose message the
    courier could not send (unsubscribed, suppressed, failed)."""
    return SurveyInvitation.objects.exclude(status=InvitationStatus.SKIPPED).exclude(
        message__status__in=(OutboxStatus.SKIPPED, OutboxStatus.FAILED)
    )


def has_open_complaint(party_ids: list[int]) -> bool:
    """A complaint: an unhappy answer, anything serious, or what a member or an incident
    brought (a comment or a suggestion is not one)."""
    return (
        FeedbackItem.objects.filter(party_id__in=party_ids, status__in=OPEN_STATES)
        .filter(Q(severity__in=COMPLAINT) | Q(source__in=COMPLAINT_SOURCES))
        .exists()
    )


def _why_not(party: Party, ask: Ask) -> dict | None:
    # A follow-up is the same conversation, and a pilot's panel agreed to be asked: neither
    # waits for the gap, nor for another complaint to close.
    if ask.follow_up_of is None and ask.pilot_id is None:
        person = one_person(party)
        if has_open_complaint(person):
            return {"code": "survey.skip.open_complaint"}
        gap = listening_settings().gap_days
        recent = sent_invitations().filter(
            party_id__in=person,
            send_at__gt=ask.send_at - dt.timedelta(days=gap),
            send_at__lt=ask.send_at + dt.timedelta(days=gap),
        )
        if gap and recent.exists():
            return {"code": "survey.skip.recent", "days": gap}
    return None


def _candidate_channels(survey: Survey) -> list[str]:
    """Read soonest first: 알림톡 (with an approved template), a text, then an email."""
    kakao = survey.kakao is not None and survey.kakao.status == KakaoTemplateStatus.APPROVED
    channels = [Channel.KAKAO] if kakao else []
    return [*channels, Channel.SMS, Channel.EMAIL]


def _best_channel(party: Party, survey: Survey, states=None) -> str | None:
    states = states or channel_states()
    usable = []
    for channel in _candidate_channels(survey):
        address = party_address(party, channel)
        if not address:
            continue
        if Suppression.objects.filter(channel=channel, address=address).exists():
            continue
        if current_consents([party.pk], channel, Purpose.SURVEYS).get(party.pk) is False:
            continue
        usable.append(channel)
    # Channels that send now before those that would make it wait (a provider not set up).
    usable.sort(key=lambda channel: not states[channel].sends)
    return usable[0] if usable else None


def _no_channel_reason(party: Party) -> dict:
    reachable = [c for c in (Channel.SMS, Channel.EMAIL) if party_address(party, c)]
    if not reachable:
        return {"code": "survey.skip.unreachable"}
    return {"code": "survey.skip.declined"}


def _invitation(party: Party, ask: Ask, reason: dict | None) -> SurveyInvitation:
    relationship = getattr(party, "relationship", None)
    link_days = listening_settings().link_days
    return SurveyInvitation.objects.create(
        survey=ask.survey,
        kind=ask.survey.kind,
        party=party,
        about=ask.about,
        subject=ask.subject[:200],
        offering_id=ask.offering_id,
        engagement_id=ask.engagement_id,
        order_id=ask.order_id,
        follow_up_of=ask.follow_up_of,
        pilot_id=ask.pilot_id,
        relationship_kind=relationship.kind if relationship else "",
        manager=relationship.owner if relationship else None,
        status=InvitationStatus.SKIPPED if reason else InvitationStatus.QUEUED,
        reason=reason,
        send_at=ask.send_at,
        expires_at=ask.send_at + dt.timedelta(days=link_days),
        nonce=secrets.token_urlsafe(12),
    )


def question_text(invitation: SurveyInvitation, language: str) -> str:
    survey = invitation.survey
    subject = invitation.subject
    if not subject:
        with translation.override(language):
            subject = _("our service") if invitation.engagement_id else _("your purchase")
    text = survey.question(language).replace("{business}", business().display_name)
    return korean_particles(text.replace("{subject}", subject))


def _queue(invitation: SurveyInvitation, party: Party, channel: str, ask: Ask):
    language = party.locale or settings.PATRON_MESSAGE_LANGUAGE
    url = survey_url(invitation)
    with translation.override(language):
        subject = _("A quick question from %(business)s") % {"business": business().display_name}
        lead = (
            _("You told us something was wrong, and we worked on it. Is it better now?")
            if ask.follow_up_of
            else _("One question, one tap:")
        )
        body = f"{party.display_name}, {lead}\n{question_text(invitation, language)}\n{url}"
    kakao = ask.survey.kakao if channel == Channel.KAKAO else None
    return queue_notice(
        party,
        channel,
        topic=f"survey:{invitation.pk}",
        subject=subject,
        body=body,
        message_class=MessageClass.SURVEY,
        at=ask.send_at,
        basis=BASIS,
        kakao=(
            {"code": kakao.code, "text": kakao.text, "variables": kakao.variables}
            if kakao
            else None
        ),
        values={"survey_url": url, "name": party.display_name},
    )


# -- answers ---------------------------------------------------------------------------------


def may_change(invitation: SurveyInvitation, now: dt.datetime) -> bool:
    """An answer can be changed for ``edit_hours`` after it was first given."""
    if invitation.answered_at is None:
        return True
    hours = listening_settings().edit_hours
    return now < invitation.answered_at + dt.timedelta(hours=hours)


def is_expired(invitation: SurveyInvitation, now: dt.datetime) -> bool:
    return invitation.answered_at is None and now >= invitation.expires_at


def do_answer_survey(
    invitation: SurveyInvitation, score: int, comment: str, *, now: dt.datetime | None = None
) -> SurveyInvitation:
    """Keep the party's answer (or their change to it, within the edit window); an unhappy
    score or a comment becomes a feedback item, and a follow-up reopens its item when the
    party is still unhappy (feedback.items)."""
    from .items import after_answer, survivor

    now = now or timezone.now()
    low, high = SCALE[SurveyKind(invitation.kind)]
    if not isinstance(score, int) or not low <= score <= high:
        raise SurveyRefused("survey.bad_score", low=low, high=high)
    comment = comment.strip()[:2000]
    with transaction.atomic():
        invitation = SurveyInvitation.objects.select_for_update().get(pk=invitation.pk)
        if invitation.status == InvitationStatus.SKIPPED:
            raise SurveyRefused("survey.not_sent")
        if is_expired(invitation, now):
            raise SurveyRefused("survey.expired")
        if not may_change(invitation, now):
            raise SurveyRefused("survey.closed_for_changes")
        first = invitation.answered_at is None
        if not first and (invitation.score, invitation.comment) == (score, comment):
            return invitation  # the same answer sent again (a double tap, a replay)
        invitation.score, invitation.comment = score, comment
        invitation.status = InvitationStatus.ANSWERED
        if first:
            invitation.answered_at = now
        else:
            invitation.changed_at = now
        invitation.save()
        record_activity(
            survivor(invitation.party).pk,
            "survey.answered" if first else "survey.changed",
            data={"kind": invitation.kind, "score": score, "invitation": invitation.pk},
            at=now,
        )
        after_answer(invitation, now=now)
    return invitation
