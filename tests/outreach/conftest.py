"""A real SMTP server on 127.0.0.1 (aiosmtpd) and parties built for outreach tests."""

from __future__ import annotations

import asyncio
import datetime as dt
import socket
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller

from patron.outreach.models import Campaign, Segment, Template
from patron.outreach.services import do_save_segment, do_save_template
from patron.parties.consent import Decision, do_record_decisions
from patron.parties.models import Party, Relationship

KST = dt.timezone(dt.timedelta(hours=9))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Mailbox:
    """What the SMTP server received; addresses in ``refuse`` get 550 (no such user)."""

    def __init__(self) -> None:
        self.messages = []
        self.refuse: set[str] = set()
        self.answers: dict[str, str] = {}  # address -> the server's own refusal at RCPT
        self.on_message = None  # called (in a worker thread) after each accepted message

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.answers:
            return self.answers[address]
        if address in self.refuse:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append(message)
        if self.on_message is not None:
            await asyncio.to_thread(self.on_message, message)
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list:
        return [m for m in self.messages if m["To"] == address]


class SmtpServer:
    def __init__(self) -> None:
        self.mailbox = Mailbox()
        self.port = free_port()
        self.controller = None

    def start(self) -> None:
        self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture(autouse=True)
def business(settings):
    """A business that may advertise: its name, its contact and where its emails come from
    (pinned as an operator's environment would pin them). A test of what happens without
    them sets them empty."""
    settings.PATRON_SENDER_NAME = "한옥찻집"
    settings.PATRON_SENDER_CONTACT = "02-123-4567"
    settings.DEFAULT_FROM_EMAIL = "Hanok Tea <hello@hanok.example>"


@pytest.fixture
def smtp(settings):
    server = SmtpServer()
    server.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    settings.DEFAULT_FROM_EMAIL = "Hanok Tea <hello@hanok.example>"
    settings.PATRON_SENDER_NAME = "한옥찻집"
    settings.PATRON_SENDER_CONTACT = "02-123-4567"
    settings.PATRON_SITE_URL = "https://crm.hanok.example"
    yield server
    server.stop()


def make_party(
    i: int,
    *,
    email: bool = True,
    phone: bool = False,
    kind: str = "customer",
    locale: str = "ko",
    name: str | None = None,
) -> Party:
    party = Party.objects.create(
        display_name=name or f"고객{i:04d}",
        name_key=f"고객{i:04d}",
        email=f"p{i:04d}@example.com" if email else "",
        phone=f"+82101000{i:04d}" if phone else "",
        locale=locale,
    )
    Relationship.objects.create(party=party, kind=kind)
    return party


def grant(parties, channel: str, purpose: str, granted: bool = True) -> None:
    do_record_decisions(
        Decision(p.pk, channel, purpose, granted, "test", {"wording": "test"}) for p in parties
    )


def campaign_for(
    filters: dict,
    *,
    message_class="promotional",
    channel="email",
    body="안녕하세요 {{ first_name }} 님, **봄 신상품**을 만나보세요.",
    client_body="",
    subject="봄 신상품 안내",
) -> Campaign:
    template = do_save_template(
        Template(
            name="spring",
            message_class=message_class,
            subject=subject,
            body=body,
            client_body=client_body,
        )
    )
    segment = do_save_segment(Segment(name="everyone", filters=filters))
    return Campaign.objects.create(
        name="Spring", template=template, segment=segment, channel=channel
    )


def at_kst(year, month, day, hour, minute=0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=KST)
