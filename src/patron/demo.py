"""A demo photo studio: print buyers, session and wedding clients, schools and companies.

Deterministic for a seed. Print buyers follow a buy-till-you-die process (a Poisson purchase
rate from a gamma distribution, a dropout chance after each purchase from a beta distribution),
so the insight models have the structure they expect; clients book tailored work with long
dormant gaps and have account managers.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from patron.accounts.roles import Role
from patron.accounts.services import do_add_member
from patron.commerce.models import (
    Engagement,
    EngagementKind,
    EngagementStatus,
    Offering,
    OfferingKind,
    Order,
    OrderLine,
    OrderStatus,
)
from patron.core.business import do_save_business
from patron.insight.classification import do_classify
from patron.loyalty.recommendations import do_recommend
from patron.outreach.events import do_answer, do_invite
from patron.outreach.incidents import do_send_notice, draft_notice
from patron.outreach.models import (
    Cadence,
    CadenceRule,
    Campaign,
    CampaignChannel,
    CampaignStatus,
    Event,
    Incident,
    MessageClass,
    OutboxMessage,
    OutboxStatus,
    Segment,
    Template,
)
from patron.outreach.services import do_save_segment, do_save_template
from patron.parties.activity import activity_row, record_activities
from patron.parties.models import (
    Channel,
    Consent,
    ContactKind,
    ContactPoint,
    Market,
    Party,
    PartyType,
    Purpose,
    Relationship,
    RelationshipKind,
)
from patron.parties.normalize import name_key

SOURCE = "demo"
YEARS = 3
SURNAMES = [
    "김",
    "이",
    "박",
    "최",
    "정",
    "강",
    "조",
    "윤",
    "장",
    "임",
    "한",
    "오",
    "서",
    "신",
    "권",
]
GIVEN = [
    "민준",
    "서연",
    "도윤",
    "지우",
    "하준",
    "서윤",
    "지호",
    "하은",
    "예준",
    "수아",
    "유진",
    "은우",
]
FIRST = ["Alice", "Ben", "Chloe", "Daniel", "Emma", "Grace", "Henry", "Julia", "Liam", "Mia"]
LAST = ["Kim", "Park", "Lee", "Smith", "Brown", "Garcia", "Wilson", "Taylor", "Moore", "Clark"]
SCHOOLS = ["한빛초등학교", "새솔중학교", "푸른고등학교", "Seoul International School"]
COMPANIES = ["(주)다온테크", "미래건설", "Blue Harbor Co.", "하늘여행사", "Nova Labs"]

CATALOGUE = [  # name, sku, price in KRW
    ("Print 4x6", "PRINT-4X6", 3_000),
    ("Print A4", "PRINT-A4", 9_000),
    ("Frame A4", "FRAME-A4", 18_000),
    ("증명사진", "ID-PHOTO", 15_000),
    ("Photo book", "BOOK", 45_000),
    ("앨범", "ALBUM", 60_000),
]
TAILORED = [
    ("Studio session (1h)", "STUDIO-1H", 150_000),
    ("가족사진 촬영", "FAMILY-SHOOT", 250_000),
    ("Retouching", "RETOUCH", 40_000),
    ("Wedding package", "WEDDING", 2_800_000),
    ("기업 행사 촬영", "EVENT-SHOOT", 900_000),
]


def do_load_demo(*, seed: int = 7, parties: int = 5000) -> dict[str, int]:
    rng = np.random.default_rng(seed)
    end = timezone.localtime().replace(hour=18, minute=0, second=0, microsecond=0)
    start = end - dt.timedelta(days=365 * YEARS)
    with transaction.atomic():
        managers = _account_managers()
        offerings = _offerings()
        generator = _Studio(rng, start, end, offerings, managers)
        mix = [("print", 0.80), ("session", 0.10), ("wedding", 0.04), ("business", 0.06)]
        counts = rng.multinomial(parties, [share for _, share in mix])
        for (segment, _), count in zip(mix, counts, strict=True):
            for _ in range(count):
                generator.add(segment)
        generator.flush()
        _bookings(end, offerings, generator.regulars)
    do_classify()
    _keep_in_touch(end, offerings)
    _listening(np.random.default_rng(seed + 20), timezone.now())
    do_recommend()
    return {"parties": generator.parties_made, "orders": generator.orders_made}


def _account_managers() -> list:
    from django.contrib.auth.models import User

    managers = []
    for username, first_name in (("minji", "Minji"), ("junho", "Junho"), ("sarah", "Sarah")):
        user = User.objects.filter(username=username).first()
        if user is None:
            user, _password = do_add_member(username, role=Role.MANAGER, display_name=first_name)
        managers.append(user)
    return managers


def _offerings() -> dict[str, Offering]:
    made = {}
    for items, kind in ((CATALOGUE, OfferingKind.CATALOGUE), (TAILORED, OfferingKind.TAILORED)):
        for name, sku, _ in items:
            made[sku], _ = Offering.objects.get_or_create(
                name=name, sku=sku, defaults={"kind": kind, "category": sku.split("-")[0].lower()}
            )
    return made


class _Studio:
    def __init__(self, rng, start, end, offerings, managers) -> None:
        self.rng, self.start, self.end = rng, start, end
        self.offerings, self.managers = offerings, managers
        self.days = (end - start).days
        self.pending: list[tuple[Party, str, list, list, object]] = []
        self.parties_made = self.orders_made = 0
        self.order_no = 0
        self.regulars: list[int] = []  # session clients with an account manager, by id

    # -- people -------------------------------------------------------------------------
    def _person_name(self) -> str:
        if self.rng.random() < 0.7:
            return str(self.rng.choice(SURNAMES)) + str(self.rng.choice(GIVEN))
        return f"{self.rng.choice(FIRST)} {self.rng.choice(LAST)}"

    def _party(self, segment: str) -> Party:
        n = self.parties_made + 1
        if segment == "business":
            base = self.rng.choice(SCHOOLS + COMPANIES)
            name = f"{base} {n}"
            party_type, market = PartyType.ORGANISATION, Market.B2B
        else:
            name, party_type, market = self._person_name(), PartyType.PERSON, Market.B2C
        # A quarter of people came through a marketplace: a phone number, no email.
        phone_only = party_type == PartyType.PERSON and self.rng.random() < 0.25
        born = None
        if party_type == PartyType.PERSON and self.rng.random() < 0.6:
            born = dt.date(1960, 1, 1) + dt.timedelta(days=int(self.rng.integers(0, 365 * 45)))
        return Party(
            party_type=party_type,
            display_name=name,
            name_key=name_key(name),
            email=""
            if phone_only
            else f"guest{n}@example.{'kr' if self.rng.random() < 0.6 else 'com'}",
            phone=f"+8210{self.rng.integers(1000_0000, 9999_9999)}",
            birthday=born,
            market=market,
            locale="ko" if self.rng.random() < 0.7 else "en",
        )

    def _consents(self, party: Party, at: dt.datetime) -> list[Consent]:
        """What each person agreed to, with the evidence a shop keeps: the form, the wording."""
        decisions = []
        if party.email:
            decisions.append(
                (
                    Channel.EMAIL,
                    Purpose.MARKETING,
                    self.rng.random() < 0.55,
                    "web sign-up",
                    "이메일로 할인·신상품 소식을 받겠습니다",
                )
            )
            if self.rng.random() < 0.3:
                decisions.append(
                    (
                        Channel.EMAIL,
                        Purpose.NEWSLETTER,
                        True,
                        "web sign-up",
                        "월간 소식지를 이메일로 받겠습니다",
                    )
                )
        if party.phone and self.rng.random() < 0.5:
            decisions.append(
                (
                    Channel.SMS,
                    Purpose.MARKETING,
                    self.rng.random() < 0.7,
                    "in-store form",
                    "문자로 할인·신상품 소식을 받겠습니다 (선택)",
                )
            )
            if self.rng.random() < 0.1:
                decisions.append(
                    (
                        Channel.SMS,
                        Purpose.NIGHT,
                        True,
                        "in-store form",
                        "야간(21시~08시) 광고 문자 수신에 동의합니다 (선택)",
                    )
                )
        return [
            Consent(
                party=party,
                channel=channel,
                purpose=purpose,
                granted=bool(granted),
                recorded_at=at,
                decided_at=at,
                source="demo",
                evidence={"form": form, "wording": wording},
            )
            for channel, purpose, granted, form, wording in decisions
        ]

    # -- histories ----------------------------------------------------------------------
    def add(self, segment: str) -> None:
        party = self._party(segment)
        first = float(self.rng.uniform(0, self.days * 0.9))
        orders, engagements, owner = getattr(self, f"_{segment}")(first)
        self.pending.append((party, segment, orders, engagements, owner))
        self.parties_made += 1
        if len(self.pending) >= 500:
            self.flush()

    def _print(self, first: float):
        # BG/NBD: purchase rate ~ Gamma(r=1.2, α=35 days); after each purchase the buyer
        # drops out for good with probability p ~ Beta(1, 9).
        rate = self.rng.gamma(1.2, 1 / 35)
        dropout = self.rng.beta(1.0, 9.0)
        day, orders = first, []
        while day < self.days:
            orders.append((day, self._catalogue_basket()))
            if self.rng.random() < dropout:
                break
            day += self.rng.exponential(1 / max(rate, 1e-4))
        return orders, [], None

    def _session(self, first: float):
        # Clients return for tailored work every 6-18 months, buying prints in between.
        day, orders, engagements = first, [], []
        while day < self.days:
            sku = "FAMILY-SHOOT" if self.rng.random() < 0.5 else "STUDIO-1H"
            orders.append((day, [(sku, 1)] + ([("RETOUCH", 1)] if self.rng.random() < 0.5 else [])))
            engagements.append((day, EngagementKind.APPOINTMENT, sku))
            if self.rng.random() < 0.6:
                orders.append((day + self.rng.uniform(7, 30), self._catalogue_basket()))
            day += self.rng.uniform(180, 540)
        owner = (
            self.managers[int(self.rng.integers(len(self.managers)))]
            if self.rng.random() < 0.5
            else None
        )
        return orders, engagements, owner

    def _wedding(self, first: float):
        orders = [(first, [("WEDDING", 1)])]
        engagements = [(first, EngagementKind.PROJECT, "WEDDING")]
        for _ in range(int(self.rng.integers(0, 4))):
            orders.append((first + self.rng.uniform(30, 700), [("ALBUM", 1), ("PRINT-A4", 4)]))
        return orders, engagements, self.managers[int(self.rng.integers(len(self.managers)))]

    def _business(self, first: float):
        # Schools and companies reorder ID photos and prints each term, and book event shoots.
        day, orders, engagements = first, [], []
        while day < self.days:
            orders.append((day, [("ID-PHOTO", int(self.rng.integers(10, 60))), ("PRINT-A4", 20)]))
            if self.rng.random() < 0.3:
                orders.append((day + 3, [("EVENT-SHOOT", 1)]))
                engagements.append((day + 3, EngagementKind.PROJECT, "EVENT-SHOOT"))
            day += self.rng.uniform(20, 70)
        owner = (
            self.managers[int(self.rng.integers(len(self.managers)))]
            if self.rng.random() < 0.7
            else None
        )
        return orders, engagements, owner

    def _catalogue_basket(self) -> list[tuple[str, int]]:
        picks = self.rng.choice(len(CATALOGUE), size=int(self.rng.integers(1, 3)), replace=False)
        return [(CATALOGUE[i][1], int(self.rng.integers(1, 5))) for i in sorted(picks)]

    # -- writing ------------------------------------------------------------------------
    def _when(self, day: float) -> dt.datetime:
        moment = self.start + dt.timedelta(days=int(day))
        return moment.replace(
            hour=int(self.rng.integers(10, 20)), minute=int(self.rng.integers(0, 60))
        )

    def flush(self) -> None:
        if not self.pending:
            return
        parties = Party.objects.bulk_create([p for p, *_ in self.pending])
        Relationship.objects.bulk_create(
            [
                Relationship(party=p, owner=owner)
                for p, (_, _, _, _, owner) in zip(parties, self.pending, strict=True)
            ]
        )
        ContactPoint.objects.bulk_create(
            [
                ContactPoint(party=p, kind=ContactKind.EMAIL, value=p.email, source=SOURCE)
                for p in parties
            ]
            + [
                ContactPoint(party=p, kind=ContactKind.PHONE, value=p.phone, source=SOURCE)
                for p in parties
            ]
        )
        orders, lines, engagements, consents, activities = [], [], [], [], []
        prices = {sku: price for _, sku, price in CATALOGUE + TAILORED}
        for party, (_, segment, party_orders, party_engagements, owner) in zip(
            parties, self.pending, strict=True
        ):
            first_at = None
            times: dict[float, dt.datetime] = {}  # an appointment is at its order's time
            for day, basket in sorted(party_orders, key=lambda o: o[0]):
                if day >= self.days:
                    continue
                self.order_no += 1
                at = times.setdefault(day, self._when(day))
                first_at = first_at or at
                total = sum(prices[sku] * qty for sku, qty in basket)
                status = OrderStatus.PAID if self.rng.random() > 0.02 else OrderStatus.REFUNDED
                order = Order(
                    source=SOURCE,
                    external_id=f"D{self.order_no:07d}",
                    party=party,
                    occurred_at=at,
                    status=status,
                    currency="KRW",
                    amount=Decimal(total),
                    refunded_amount=Decimal(total if status == OrderStatus.REFUNDED else 0),
                    channel="web" if self.rng.random() < 0.6 else "store",
                    row_digest="demo",
                )
                orders.append(order)
                lines.append((order, basket))
            for day, kind, sku in party_engagements:
                if day < self.days:
                    engagements.append(
                        Engagement(
                            party=party,
                            kind=kind,
                            title=self.offerings[sku].name,
                            offering=self.offerings[sku],
                            started_at=times.get(day) or self._when(day),
                            owner=owner,
                            # Paid through its order: the work itself carries no second amount.
                            currency="",
                            amount=None,
                            source=SOURCE,
                            external_id=f"E{len(engagements)}-{party.pk}",
                        )
                    )
            if segment == "session" and owner is not None:
                self.regulars.append(party.pk)
            consents.extend(self._consents(party, first_at or timezone.now()))
            activities.append(
                activity_row(
                    party.pk,
                    "party.created",
                    data={"source": SOURCE, "segment": segment},
                    at=first_at or timezone.now(),
                )
            )
        Order.objects.bulk_create(orders, batch_size=1000)
        OrderLine.objects.bulk_create(
            [
                OrderLine(
                    order=order,
                    line_no=i,
                    offering=self.offerings[sku],
                    name=self.offerings[sku].name,
                    quantity=qty,
                    unit_price=prices[sku],
                )
                for order, basket in lines
                for i, (sku, qty) in enumerate(basket, start=1)
            ],
            batch_size=1000,
        )
        Engagement.objects.bulk_create(engagements, batch_size=1000)
        Consent.objects.bulk_create(consents, batch_size=1000)
        record_activities(activities)
        self.orders_made += len(orders)
        self.pending = []


# -- bookings ------------------------------------------------------------------------------------

BOOKED_REGULARS = 6  # regulars with a session booked in the coming weeks


def _bookings(end: dt.datetime, offerings: dict[str, Offering], regulars: list[int]) -> None:
    """A few regulars have booked their next session, and two of them missed one lately (a
    no-show; one also cancelled one), so their pages show the next booking and the pattern.
    Placed by their order, not drawn: the rest of the demo stays as the seed made it."""
    rows = []
    for i, party_id in enumerate(regulars[:BOOKED_REGULARS]):
        sku = "FAMILY-SHOOT" if i % 2 else "STUDIO-1H"
        ahead = (end + dt.timedelta(days=2 + 3 * i)).replace(hour=11 + 2 * (i % 3), minute=0)
        rows.append((party_id, sku, ahead, EngagementStatus.BOOKED, f"B{i}"))
        if i < 2:
            missed = (end - dt.timedelta(days=20 + 9 * i)).replace(hour=15, minute=0)
            rows.append((party_id, sku, missed, EngagementStatus.NO_SHOW, f"N{i}"))
        if i == 0:
            missed = (end - dt.timedelta(days=75)).replace(hour=10, minute=30)
            rows.append((party_id, sku, missed, EngagementStatus.NO_SHOW, f"M{i}"))
        if i == 1:
            cancelled = (end - dt.timedelta(days=48)).replace(hour=14, minute=0)
            rows.append((party_id, sku, cancelled, EngagementStatus.CANCELLED, f"C{i}"))
    Engagement.objects.bulk_create(
        Engagement(
            party_id=party_id,
            kind=EngagementKind.APPOINTMENT,
            title=offerings[sku].name,
            offering=offerings[sku],
            started_at=at,
            status=status,
            currency="",
            amount=None,
            source=SOURCE,
            external_id=f"{tag}-{party_id}",
        )
        for party_id, sku, at, status, tag in rows
    )


# -- keeping in touch ------------------------------------------------------------------------------


def _keep_in_touch(end: dt.datetime, offerings: dict[str, Offering]) -> None:
    """The studio's business settings (texts in demo mode), templates with both variants, a
    segment, the usual cadences, a past incident (its notices printed) and a seminar two
    weeks ahead (invitations printed, a few answers)."""
    _business()
    promotion = do_save_template(
        Template(
            name="가을 인화 할인",
            message_class=MessageClass.PROMOTIONAL,
            subject="가을 인화 20% 할인",
            body="{{ first_name }} 님, 이번 주 **모든 인화 20% 할인**입니다. "
            "주문하시면 다음 날 바로 받아 보실 수 있어요.",
            client_body="{{ first_name }} 님, {{ years }}년 동안 저희와 함께해 주셔서 고맙습니다. "
            "담당 {{ manager }} 매니저가 고객님 사진에 맞춘 앨범 구성을 준비했습니다.",
        )
    )
    greeting = do_save_template(
        Template(
            name="생일 축하",
            message_class=MessageClass.LOYALTY,
            subject="생일 축하드립니다",
            body="{{ first_name }} 님, 생일 축하드립니다! 이번 달 인화는 저희가 선물할게요.",
        )
    )
    agreed = do_save_segment(
        Segment(name="할인 소식 동의 고객", filters={"consent": ["marketing"]})
    )
    clients = do_save_segment(Segment(name="클라이언트", filters={"kind": ["client"]}))
    Campaign.objects.create(
        name="가을 인화 할인", template=promotion, segment=agreed, channel=CampaignChannel.BEST
    )
    _loyalty(np.random.default_rng(41), end, agreed, clients)
    for name, rule, kind, days, template in (
        ("클라이언트 안부", CadenceRule.CHECK_IN, "client", 90, None),
        ("생일 축하", CadenceRule.BIRTHDAY, "*", 0, greeting),
    ):
        Cadence.objects.get_or_create(
            name=name, defaults={"rule": rule, "kind": kind, "days": days, "template": template}
        )
    _past_incident(end, offerings)
    _upcoming_seminar(end, clients)


def _business() -> None:
    """The demo studio as its messages name it. Texts are in demo mode: printed in the
    terminal and marked "demo: printed, not sent" (the numbers are fictional)."""
    do_save_business(
        {
            "name": "하루 사진관",
            "phone": "02-555-0123",
            "address": "서울특별시 종로구 북촌로 12",
            "email_from": "하루 사진관 <hello@haru-studio.example>",
            "text_provider": "demo",
            "sms_sender": "02-555-0123",
            "optout_number": "080-555-0123",
            "kakao_channel": "@haru-studio",
        }
    )


# History the demo made up: printed in demo mode, never sent (channels are in demo mode).
_PRINTED = {"status": OutboxStatus.DEMO, "sent_at": F("next_attempt_at"), "attempts": 1}


def _past_incident(end: dt.datetime, offerings: dict[str, Offering]) -> None:
    started = end - dt.timedelta(days=60)
    incident = Incident.objects.create(
        title="인화 색감 불량",
        description="인화기 색 보정 오류로 일부 사진이 붉게 나왔습니다. 다시 인화해 드립니다.",
        starts_at=started,
        ends_at=started + dt.timedelta(days=2),
    )
    incident.offerings.add(*[o for sku, o in offerings.items() if sku.startswith("PRINT")])
    subject, body = draft_notice(incident)
    do_send_notice(incident, "notice", subject, body, actor=None, now=started)
    do_send_notice(
        incident,
        "resolution",
        "다시 인화해 드렸습니다",
        "{{ first_name }} 님, 새로 인화한 사진을 보내 드렸습니다. 불편을 드려 죄송합니다.",
        actor=None,
        now=started + dt.timedelta(days=3),
    )
    # History: these were printed two months ago (the worker must not print them again).
    OutboxMessage.objects.filter(topic=f"incident:{incident.pk}", status="queued").update(
        **_PRINTED
    )


def _upcoming_seminar(end: dt.datetime, clients: Segment) -> None:
    event = Event.objects.create(
        title="가족사진 잘 찍는 법 세미나",
        description="스튜디오 대표가 집에서 가족사진을 잘 찍는 요령을 알려 드립니다.",
        starts_at=(end + dt.timedelta(days=14)).replace(hour=14),
        place="스튜디오 2층 강의실",
        capacity=20,
        segment=clients,
    )
    invited = end - dt.timedelta(days=3)
    do_invite(event, now=invited)
    OutboxMessage.objects.filter(topic=f"event:{event.pk}", status="queued").update(**_PRINTED)
    guests = OutboxMessage.objects.filter(topic=f"event:{event.pk}", status=OutboxStatus.DEMO)
    for n, party in enumerate(Party.objects.filter(pk__in=guests.values("party_id"))[:8]):
        do_answer(event, party, coming=n % 4 != 3)


# -- listening: a year of surveys and what came of them ------------------------------------------

_COMMENTS = {
    "low": [
        "사진이 약속보다 일주일 늦게 나왔어요",
        "보정이 과해서 제 얼굴 같지 않아요",
        "예약 시간이 30분이나 밀렸어요",
        "가격에 비해 앨범 마감이 아쉬워요",
        "전화 응대가 퉁명스러웠어요",
    ],
    "mid": [
        "주차할 곳이 없어서 불편했어요",
        "토요일 저녁에도 열면 좋겠어요",
        "무광 인화지도 있으면 좋겠어요",
        "대기 공간이 좁아요",
    ],
    "high": [
        "아이들을 정말 잘 다뤄 주셨어요",
        "매년 가족사진은 여기서 찍어요",
        "보정이 자연스러워서 좋아요",
    ],
}
_RESOLUTIONS = [
    ("delivery", "다음 주문부터 완성 예정일을 문자로 먼저 알려 드리기로 함"),
    ("product", "보정을 다시 해서 보내 드림"),
    ("staff", "사과드리고 응대 교육을 함"),
    ("price", "앨범 마감을 새로 해 드림"),
]
# Answer probabilities per score, clients (who stay for the service) above customers.
_NPS_SCORES = {
    "client": [0.0, 0.0, 0.01, 0.01, 0.01, 0.02, 0.03, 0.07, 0.15, 0.30, 0.40],
    "other": [0.01, 0.01, 0.02, 0.03, 0.04, 0.06, 0.08, 0.15, 0.20, 0.20, 0.20],
}
_CSAT_SCORES = {"client": [0.02, 0.03, 0.10, 0.35, 0.50], "other": [0.04, 0.06, 0.15, 0.40, 0.35]}
_RESPONSE_RATE = {"nps": 0.25, "csat": 0.40}


def _listening(rng, now: dt.datetime) -> None:
    """A year of NPS and CSAT asked as the planner asks them (one per person in 30 days, CSAT
    a day after a service or an order, NPS per kind's period), a quarter to two in five
    answered; unhappy answers and comments became feedback items, most answered and closed,
    some still open, some overdue and passed to the owner."""
    from patron.feedback.items import (
        do_close,
        do_log_call,
        do_open_item,
        escalate_overdue,
        needs_answer,
    )
    from patron.feedback.models import InvitationStatus, SurveyInvitation
    from patron.feedback.surveys import general_survey

    surveys = {"nps": general_survey("nps"), "csat": general_survey("csat")}
    asks = _year_of_asks(now, surveys["nps"].every_days)
    invitations, entries = [], []
    for party_id, kind, about, sent, kind_of_party, manager_id, subject, offering in asks:
        invitation = SurveyInvitation(
            survey=surveys[kind],
            kind=kind,
            party_id=party_id,
            about=about,
            subject=subject,
            offering_id=offering,
            relationship_kind=kind_of_party,
            manager_id=manager_id,
            send_at=sent,
            created_at=sent,
            expires_at=sent + dt.timedelta(days=30),
            nonce=f"demo{rng.integers(1 << 40):x}",
        )
        entries.append(
            activity_row(
                party_id, "survey.invited", data={"kind": kind, "channel": "demo"}, at=sent
            )
        )
        answered_at = sent + dt.timedelta(hours=float(rng.exponential(8)))
        if rng.random() < _RESPONSE_RATE[kind] and answered_at < now:
            group = "client" if kind_of_party == "client" else "other"
            weights = (_NPS_SCORES if kind == "nps" else _CSAT_SCORES)[group]
            low = 0 if kind == "nps" else 1
            invitation.score = int(rng.choice(len(weights), p=weights)) + low
            invitation.answered_at = answered_at
            invitation.status = InvitationStatus.ANSWERED
            invitation.comment = _comment(rng, kind, invitation.score)
            entries.append(
                activity_row(
                    party_id,
                    "survey.answered",
                    data={"kind": kind, "score": invitation.score},
                    at=answered_at,
                )
            )
        invitations.append(invitation)
    SurveyInvitation.objects.bulk_create(invitations, batch_size=1000)
    record_activities(entries)
    answered = SurveyInvitation.objects.filter(status=InvitationStatus.ANSWERED).select_related(
        "party__relationship__owner"
    )
    for invitation in answered.order_by("answered_at"):
        if not needs_answer(invitation.kind, invitation.score, invitation.comment):
            continue
        unhappy = invitation.score <= (6 if invitation.kind == "nps" else 2)
        item = do_open_item(
            invitation.party,
            source="survey" if unhappy else "comment",
            severity="high" if unhappy else "normal",
            text=invitation.comment,
            score=invitation.score,
            invitation=invitation,
            now=invitation.answered_at,
        )
        _answer_item(rng, item, now, do_log_call, do_close)
    _every_state(rng, now)
    escalate_overdue(now)
    _said_and_did(now)
    _pilot(rng, now)
    _account_plans(now)


def _said_and_did(now: dt.datetime) -> None:
    """Saturday evenings, asked for all year: the studio opened, and told those who asked."""
    from patron.feedback.changes import do_announce_change, do_save_change
    from patron.feedback.models import Change, FeedbackItem

    asked = FeedbackItem.objects.filter(text__contains="토요일")
    if not asked.exists():
        return
    change = do_save_change(
        Change(
            title="토요일 저녁 8시까지 영업",
            description="이번 달부터 토요일에도 저녁 8시까지 촬영과 인화 상담을 합니다.",
            made_on=(now - dt.timedelta(days=20)).date(),
        ),
        list(asked.values_list("pk", flat=True)),
    )
    told_at = now - dt.timedelta(days=19)
    do_announce_change(change, actor=None, now=told_at)
    OutboxMessage.objects.filter(topic=f"change:{change.pk}", status="queued").update(**_PRINTED)


def _pilot(rng, now: dt.datetime) -> None:
    """A matte photo book tried by a panel of long-standing, happy clients: most liked it,
    one problem reported and fixed, one still open."""
    from patron.feedback.items import do_close
    from patron.feedback.models import Pilot, SurveyInvitation
    from patron.feedback.pilots import (
        candidates,
        do_ask_panel,
        do_choose_panel,
        do_invite_panel,
        do_report_problem,
    )
    from patron.feedback.surveys import do_answer_survey

    offering, _created = Offering.objects.get_or_create(
        name="무광 포토북", sku="BOOK-MATTE", defaults={"kind": OfferingKind.CATALOGUE}
    )
    pilot = Pilot.objects.create(
        offering=offering,
        title="무광 포토북 시범 운영",
        description="손자국이 덜 남는 무광 표지와 두꺼운 속지",
        min_answers=5,
    )
    panel = candidates(pilot, now=now - dt.timedelta(days=14))[:8]
    if not panel:
        return
    do_choose_panel(pilot, [c.party.pk for c in panel], actor=None)
    invited_at = now - dt.timedelta(days=14)
    do_invite_panel(
        pilot,
        subject="무광 포토북, 먼저 써 보세요",
        body="오랫동안 함께해 주셔서 새 무광 포토북을 먼저 보내 드립니다. "
        "솔직한 의견 부탁드립니다.",
        actor=None,
        now=invited_at,
    )
    asked_at = now - dt.timedelta(days=4)
    do_ask_panel(pilot, now=asked_at)
    # History: printed in demo mode days ago (the worker must not print them again).
    asked = SurveyInvitation.objects.filter(pilot=pilot)
    OutboxMessage.objects.filter(topic=f"pilot:{pilot.pk}", status="queued").update(**_PRINTED)
    OutboxMessage.objects.filter(pk__in=asked.values("message"), status="queued").update(**_PRINTED)
    for n, invitation in enumerate(asked.order_by("pk")):
        if n >= 6:
            break
        score = 2 if n == 5 else int(rng.choice([4, 5, 5]))
        comment = "표지 모서리가 들떠요" if score == 2 else ""
        do_answer_survey(invitation, score, comment, now=asked_at + dt.timedelta(hours=5 + n))
    fixed = do_report_problem(
        pilot, panel[0].party, "속지 한 장이 접혀서 왔어요", "normal", actor=None
    )
    do_close(
        fixed,
        resolution="제본소 검수 단계를 하나 더 넣음",
        cause="product",
        actor=None,
        now=now - dt.timedelta(days=1),
        follow_up=False,
    )


def _account_plans(now: dt.datetime) -> None:
    """The five clients who spent most have a plan made with their manager."""
    from django.db.models import Sum

    from patron.feedback.plans import do_add_goal, do_add_milestone, do_save_plan, do_set_milestone

    top = (
        Party.objects.filter(relationship__kind="client", merged_into__isnull=True)
        .annotate(spent=Sum("orders__amount"))
        .filter(spent__isnull=False)
        .select_related("relationship__owner")
        .order_by("-spent")[:5]
    )
    today = now.date()
    for n, party in enumerate(top):
        manager = party.relationship.owner
        do_save_plan(
            party,
            summary="가족 행사마다 함께하는 사진관이 되기: 연 2회 촬영과 연말 앨범",
            next_review=today + dt.timedelta(days=3 + 20 * n),
            actor=manager,
        )
        goal = do_add_goal(
            party,
            title="올해 가족 촬영 2회",
            measure="촬영 2회, 연말 앨범 1권",
            target_date=dt.date(today.year, 12, 31),
            actor=manager,
        )
        spring = do_add_milestone(
            goal, title="봄 가족 촬영", due=today - dt.timedelta(days=120), actor=manager
        )
        do_set_milestone(spring, "done", actor=manager)
        do_add_milestone(
            goal, title="연말 앨범 시안 공유", due=today + dt.timedelta(days=10), actor=manager
        )


def _every_state(rng, now: dt.datetime) -> None:
    """Follow-ups after closing (most answered happy), one party still unhappy (reopened),
    and one item waiting on the party."""
    from patron.feedback.items import do_reopen, do_wait_on_party
    from patron.feedback.models import FeedbackItem, InvitationStatus, SurveyInvitation

    closed = list(
        FeedbackItem.objects.filter(status="closed", invitation__isnull=False)
        .select_related("invitation")
        .order_by("closed_at")
    )
    follow_ups = []
    for item in closed:
        sent = item.closed_at + dt.timedelta(hours=24)
        if sent >= now or rng.random() < 0.5:
            continue
        follow_up = SurveyInvitation(
            survey_id=item.invitation.survey_id,
            kind=item.invitation.kind,
            party_id=item.party_id,
            about=f"follow_up:{item.pk}:0",
            subject=item.invitation.subject,
            follow_up_of=item,
            relationship_kind=item.relationship_kind,
            manager_id=item.owner_id,
            send_at=sent,
            created_at=sent,
            expires_at=sent + dt.timedelta(days=30),
            nonce=f"demo{rng.integers(1 << 40):x}",
        )
        if rng.random() < 0.6:
            top = 10 if follow_up.kind == "nps" else 5
            follow_up.score = top - int(rng.integers(0, 3))
            follow_up.answered_at = sent + dt.timedelta(hours=3)
            follow_up.status = InvitationStatus.ANSWERED
        follow_ups.append(follow_up)
    SurveyInvitation.objects.bulk_create(follow_ups)
    settled = [item for item in closed if item.closed_at + dt.timedelta(days=2) < now]
    if settled:
        unhappy = settled[-1]
        again = unhappy.closed_at + dt.timedelta(days=1)
        do_reopen(unhappy, reason={"code": "feedback.reopened_unhappy", "score": 1}, now=again)
    answered = FeedbackItem.objects.filter(status="open", responded_at__isnull=False)
    waiting = answered.order_by("-opened_at").first()
    if waiting is not None:
        do_wait_on_party(waiting, actor=waiting.owner, now=waiting.responded_at)


def _comment(rng, kind: str, score: int) -> str:
    band = (
        "low"
        if score <= (6 if kind == "nps" else 2)
        else "mid"
        if score <= (8 if kind == "nps" else 3)
        else "high"
    )
    chance = {"low": 0.7, "mid": 0.25, "high": 0.08}[band]
    if rng.random() >= chance:
        return ""
    options = _COMMENTS[band]
    return options[int(rng.integers(len(options)))]


def _answer_item(rng, item, now: dt.datetime, log_call, close) -> None:
    """What the studio did: called back within hours (most), or not yet (the recent ones,
    and a few forgotten: they show overdue and passed to the owner)."""
    age = now - item.opened_at
    if age < dt.timedelta(days=2) or (age < dt.timedelta(days=20) and rng.random() < 0.25):
        return  # still to answer: some are not due yet, some late
    who = item.owner
    called = item.opened_at + dt.timedelta(hours=float(rng.uniform(1, 20)))
    log_call(item, "전화로 사과드리고 사정을 들었습니다", actor=who, now=called)
    if age < dt.timedelta(days=5) and rng.random() < 0.5:
        return  # answered, not yet resolved
    cause, what = _RESOLUTIONS[int(rng.integers(len(_RESOLUTIONS)))]
    if item.source == "comment":
        cause, what = "other", "의견 감사 인사를 드리고 기록해 둠"
    closed = called + dt.timedelta(days=float(rng.uniform(0.5, 4)))
    close(item, resolution=what, cause=cause, actor=who, now=min(closed, now), follow_up=False)


def _year_of_asks(now: dt.datetime, every_days: dict) -> list[tuple]:
    """(party, kind, about, sent, relationship kind, manager, subject, offering) as the
    planner would have asked in the past year: the CSAT a day after each service or order, an
    NPS at each party's turn, none within 30 days of another."""
    year_ago = now - dt.timedelta(days=365)
    people = {
        pk: (kind or "", owner)
        for pk, kind, owner in Party.objects.filter(merged_into__isnull=True).values_list(
            "pk", "relationship__kind", "relationship__owner"
        )
    }
    candidates: list[tuple] = []
    served = Engagement.objects.filter(
        started_at__gte=year_ago, started_at__lt=now - dt.timedelta(days=1)
    ).exclude(status__in=("cancelled", "no_show", "booked"))
    for pk, party_id, title, started, ended, offering in served.values_list(
        "pk", "party_id", "title", "started_at", "ended_at", "offering_id"
    ):
        sent = (ended or started) + dt.timedelta(hours=24)
        candidates.append((sent, party_id, "csat", f"engagement:{pk}", title, offering))
    bought = Order.objects.filter(
        occurred_at__gte=year_ago, occurred_at__lt=now - dt.timedelta(days=1), status="paid"
    )
    first_lines = dict(
        OrderLine.objects.filter(order__in=bought, line_no=1).values_list("order_id", "offering_id")
    )
    for pk, party_id, occurred in bought.values_list("pk", "party_id", "occurred_at"):
        sent = occurred + dt.timedelta(hours=24)
        candidates.append((sent, party_id, "csat", f"order:{pk}", "", first_lines.get(pk)))
    active = {party_id for _sent, party_id, *_rest in candidates}
    for party_id in active:
        kind = people.get(party_id, ("", None))[0]
        period = every_days.get(kind) or every_days.get("*") or 0
        if period:
            turn = now - dt.timedelta(days=(party_id % period) + 1)
            sent = turn.replace(hour=10, minute=0, second=0, microsecond=0)
            candidates.append((sent, party_id, "nps", f"nps:{sent.date().isoformat()}", "", None))
    last: dict[int, dt.datetime] = {}
    asks = []
    for sent, party_id, kind, about, subject, offering in sorted(candidates, key=lambda c: c[0]):
        if party_id not in people or sent >= now:
            continue
        if party_id in last and sent - last[party_id] < dt.timedelta(days=30):
            continue
        last[party_id] = sent
        kind_of_party, manager = people[party_id]
        asks.append((party_id, kind, about, sent, kind_of_party, manager, subject, offering))
    return asks


# -- repurchase: points, grades, coupons, a promotion measured against its holdout -------------


def _loyalty(rng, end: dt.datetime, agreed: Segment, clients: Segment):
    """Points on for the last 60 days of sales (some used at the counter), three grades
    computed, two coupons (one given to the clients, one carried by a promotion), and that
    promotion sent 45 days ago to the agreed, 10% kept out: its report has a month to show.
    Simulated like the rest of the studio: the promotion brought back a few more buyers."""
    from patron.loyalty import ledger
    from patron.loyalty.counter import do_counter_sale
    from patron.loyalty.coupons import do_issue_to_segment, do_save_coupon
    from patron.loyalty.grades import do_recompute_grades, grade_program
    from patron.loyalty.models import Coupon, CouponKind, MemberGrade
    from patron.loyalty.program import program, settle_orders

    today = timezone.localdate(end)
    rules = program()
    rules.enabled, rules.starts_on = True, today - dt.timedelta(days=60)
    rules.birthday_bonus, rules.referral_bonus = 2000, 3000
    rules.save()
    grading = grade_program()
    grading.enabled = True
    grading.save()
    MemberGrade.objects.create(name="일반", threshold=0)
    MemberGrade.objects.create(name="실버", threshold=300_000, perks="액자 무료 포장")
    MemberGrade.objects.create(
        name="VIP", threshold=1_000_000, rate_percent=Decimal(2), priority_booking=True
    )
    do_recompute_grades(today, now=end)
    recent = Order.objects.filter(source=SOURCE, occurred_at__gte=end - dt.timedelta(days=60))
    settle_orders(recent.values_list("pk", flat=True))
    ledger.release_due(timezone.now())
    thanks = do_save_coupon(
        Coupon(
            name="클라이언트 감사 쿠폰",
            code="THANKYOU",
            value=Decimal(10_000),
            min_order=Decimal(50_000),
            expires_on=today + dt.timedelta(days=60),
        )
    )
    do_issue_to_segment(thanks, clients)
    campaign = _measured_promotion(rng, end, agreed)
    do_save_coupon(
        Coupon(
            name="여름 인화 쿠폰",
            code="SUMMER20",
            kind=CouponKind.PERCENT,
            value=Decimal(20),
            max_discount=Decimal(10_000),
            expires_on=today + dt.timedelta(days=14),
            campaign=campaign,
        )
    )
    holders = ledger.PointBalance.objects.filter(available__gte=1000).select_related("party")
    clients_first = list(
        holders.filter(party__relationship__kind=RelationshipKind.CLIENT).order_by("party_id")[:8]
    )
    chosen = {balance.party_id for balance in clients_first}
    others = [b for b in holders.order_by("party_id")[:25] if b.party_id not in chosen][:17]
    sales = [(b, True) for b in clients_first] + [(b, False) for b in others]
    for i, (balance, thanked) in enumerate(sales):  # a client's coupon on a bigger sale
        do_counter_sale(
            balance.party,
            60_000 if thanked else 30_000,
            min(balance.available, 15_000),
            number=f"{today:%y%m%d}-D{i:05d}",
            actor=None,
            coupon_code="THANKYOU" if thanked else "",
        )


def _measured_promotion(rng, end: dt.datetime, segment: Segment) -> Campaign:
    from patron.outreach.planner import do_plan_campaign
    from patron.outreach.services import do_launch_campaign

    sent_at = end - dt.timedelta(days=45)
    template = do_save_template(
        Template(
            name="여름 인화 이벤트",
            message_class=MessageClass.PROMOTIONAL,
            subject="여름 인화 20% 쿠폰",
            body="{{ first_name }} 님, 여름 사진 인화에 쓰실 수 있는 20% 쿠폰을 드려요. "
            "매장에서 쿠폰 코드 **SUMMER20**을 알려 주세요. (2주 동안)",
        )
    )
    campaign = Campaign.objects.create(
        name="여름 인화 이벤트",
        template=template,
        segment=segment,
        channel=Channel.EMAIL,
        holdout_percent=10,
    )
    do_launch_campaign(campaign, now=sent_at)
    do_plan_campaign(campaign, now=sent_at)
    rows = OutboxMessage.objects.filter(campaign=campaign, status=OutboxStatus.QUEUED)
    sent = list(rows.order_by("party_id").values_list("party_id", flat=True))
    rows.update(status=OutboxStatus.SENT, sent_at=sent_at)
    Campaign.objects.filter(pk=campaign.pk).update(
        status=CampaignStatus.DONE, planned_at=sent_at, finished_at=sent_at
    )
    extra = [pk for pk in sent if rng.random() < 0.06]  # the simulated effect: 6 in 100 more
    Order.objects.bulk_create(
        Order(
            source=SOURCE,
            external_id=f"D-SUMMER-{pk}",
            party_id=pk,
            occurred_at=sent_at + dt.timedelta(days=int(rng.integers(1, 12)), hours=3),
            currency="KRW",
            amount=Decimal(int(rng.integers(2, 9)) * 10_000),
            row_digest="demo",
        )
        for pk in extra
    )
    return campaign
