"""The email channel never writes an address that is not a plain mailbox into RCPT TO."""

from __future__ import annotations

import pytest

from patron.core.business import business
from patron.outreach.channels import Outgoing, PermanentFailure
from patron.outreach.channels.email import EmailSender


@pytest.mark.parametrize(
    "address",
    ["ann@example.com>", "ann@example.com> NOTIFY=NEVER", "ann\x00@example.com", "홍@x.kr"],
)
def test_it_refuses_an_address_that_is_not_a_mailbox(db, smtp, address):
    sender = EmailSender(business())
    with pytest.raises(PermanentFailure) as failed:
        sender.send(sender.prepare(Outgoing(to=address, subject="s", text="t")))
    assert failed.value.code == "email.not_a_mailbox" and not failed.value.suppress
    assert smtp.mailbox.messages == []


def test_it_sends_to_a_mailbox(db, smtp):
    sender = EmailSender(business())
    sender.send(sender.prepare(Outgoing(to="ann@example.com", subject="s", text="t")))
    sender.close()
    assert len(smtp.mailbox.to("ann@example.com")) == 1
