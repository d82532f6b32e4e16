"""Email through Django's email backends: SMTP, a django-anymail provider, or the console."""

from __future__ import annotations

import contextlib
import re
import smtplib
from dataclasses import dataclass

from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.smtp import EmailBackend as SmtpBackend

from patron.core.business import Business, is_mailbox

from ..models import SuppressionReason
from . import ChannelRefused, Outgoing, PermanentFailure, Sender, TemporaryFailure
from .mime import encode_message

try:  # django-anymail's errors, when a provider backend is configured
    from anymail.exceptions import AnymailAPIError, AnymailError, AnymailRecipientsRefused
except ImportError:  # pragma: no cover - anymail is a dependency
    AnymailAPIError = AnymailError = AnymailRecipientsRefused = None


@dataclass(frozen=True)
class _Encoded:
    """A message ready for the SMTP connection."""

    sender: str
    to: str
    data: bytes
    message_id: str
    eight_bit: bool = False


class EmailSender(Sender):
    channel = "email"

    def __init__(self, biz: Business) -> None:
        self.biz = biz
        self.connection = get_connection(fail_silently=False)
        # Django's own SMTP backend: messages are encoded ahead and written on its
        # connection; any other backend (django-anymail, console) sends them itself.
        self._smtp = type(self.connection) is SmtpBackend
        self._eight_bit = False  # the server takes 8-bit bodies (RFC 6152)

    def _write(self, email) -> None:
        if not isinstance(email, _Encoded):
            email.send()
            return
        if self.connection.connection is None:
            self.open()
        options = ["BODY=8BITMIME"] if email.eight_bit else []
        self.connection.connection.sendmail(email.sender, [email.to], email.data, options)

    def open(self) -> None:
        try:
            self.connection.open()
        except smtplib.SMTPAuthenticationError as exc:
            raise ChannelRefused("smtp.auth", _detail(exc.smtp_error)) from exc
        except (OSError, smtplib.SMTPException) as exc:
            raise TemporaryFailure("email.unreachable", str(exc), connection_lost=True) from exc
        server = getattr(self.connection, "connection", None)
        self._eight_bit = bool(server is not None and server.has_extn("8bitmime"))

    def close(self) -> None:
        # The server may have gone away: then there is nothing left to close.
        with contextlib.suppress(OSError, smtplib.SMTPException):
            self.connection.close()

    def prepare(self, message: Outgoing):
        if not is_mailbox(message.to):
            # Addresses are checked where they enter (parties.normalize); one that got in
            # another way never reaches RCPT TO, where a "<" or a NUL rewrites the command.
            raise PermanentFailure("email.not_a_mailbox", message.to[:100])
        if self._smtp:
            # Encoded here, in the composing thread (channels.mime); send() writes the bytes:
            # 8-bit parts when the server announced 8BITMIME, base64 when it did not.
            data, eight_bit = encode_message(
                message, self.biz.from_header, eight_bit=self._eight_bit
            )
            return _Encoded(
                sender=self.biz.from_address,
                to=message.to,
                data=data,
                message_id=message.message_id,
                eight_bit=eight_bit,
            )
        email = EmailMultiAlternatives(
            subject=message.subject,
            body=message.text,
            from_email=self.biz.from_header,
            to=[message.to],
            headers={"Message-ID": message.message_id, **message.headers},
            connection=self.connection,
        )
        if message.html:
            email.attach_alternative(message.html, "text/html")
        return email

    def send(self, email) -> str:
        try:
            self._write(email)
        except smtplib.SMTPRecipientsRefused as exc:
            code, answer = next(iter(exc.recipients.values()), (0, b""))
            raise _refused_recipient(code, _detail(answer)) from exc
        except smtplib.SMTPSenderRefused as exc:
            self.close()
            raise ChannelRefused(f"smtp.{exc.smtp_code}", _detail(exc.smtp_error)) from exc
        except smtplib.SMTPResponseException as exc:
            self.close()
            raise _by_code(exc.smtp_code, exc.smtp_error) from exc
        except (OSError, smtplib.SMTPException) as exc:
            self.close()
            raise TemporaryFailure("email.unreachable", str(exc), connection_lost=True) from exc
        except Exception as exc:
            raise _anymail_failure(exc) from exc
        if isinstance(email, _Encoded):
            return email.message_id[:128]
        status = getattr(email, "anymail_status", None)
        return (getattr(status, "message_id", None) or email.extra_headers["Message-ID"])[:128]


def _detail(answer: bytes | str) -> str:
    return answer.decode("utf-8", "replace") if isinstance(answer, bytes) else str(answer)


def _by_code(code: int, answer: bytes | str) -> Exception:
    detail = _detail(answer)
    if code in (530, 535, 538):  # the server wants us to authenticate: our setup, not theirs
        return ChannelRefused(f"smtp.{code}", detail)
    if 500 <= code < 600:
        return PermanentFailure(f"smtp.{code}", detail)
    return TemporaryFailure(f"smtp.{code}", detail)


# RFC 3463 enhanced codes that say the recipient's address itself is wrong or gone: the only
# refusals that suppress it. 5.7.x (policy, relay denied), 5.1.7/5.1.8 (our sender address)
# and 5.2.2 (mailbox full) say nothing against the address.
_BAD_MAILBOX = re.compile(r"\b5\.(1\.[1236]|1\.10|2\.1)\b")
# About our relay or our sender, whatever the recipient: relaying denied, authentication
# required, our sender address refused (5.1.7, 5.1.8, 5.7.0/5.7.1 saying so).
_OURS = re.compile(
    r"\b5\.1\.[78]\b|relay|authenticat|sender address|sender rejected|\b5\.7\.0\b",
    re.IGNORECASE,
)
_NO_SUCH_USER = re.compile(
    r"no such (user|mailbox|recipient)|user unknown|unknown (user|recipient)|"
    r"does not exist|mailbox unavailable|invalid recipient",
    re.IGNORECASE,
)


def _refused_recipient(code: int, detail: str) -> Exception:
    """A refusal at RCPT TO. Only one that says the mailbox does not exist suppresses the
    address; one about our relay or our sender (relaying denied, authentication, policy)
    pauses email instead, as every message would meet it."""
    if not 500 <= code < 600:
        return TemporaryFailure(f"smtp.{code}", detail)
    if _BAD_MAILBOX.search(detail):
        return PermanentFailure(f"smtp.{code}", detail, suppress=SuppressionReason.HARD_BOUNCE)
    if (_OURS.search(detail) and "recipient" not in detail.lower()) or code in (530, 535):
        return ChannelRefused(f"smtp.{code}", detail)
    # Any other policy refusal (5.7.1 "Recipient address rejected: Access denied") is about
    # this recipient: the message fails, the address stays, the others go on.
    if _NO_SUCH_USER.search(detail):
        return PermanentFailure(f"smtp.{code}", detail, suppress=SuppressionReason.HARD_BOUNCE)
    return PermanentFailure(f"smtp.{code}", detail)


def _anymail_failure(exc: Exception) -> Exception:
    if AnymailRecipientsRefused is not None and isinstance(exc, AnymailRecipientsRefused):
        return PermanentFailure(
            "provider.refused", str(exc), suppress=SuppressionReason.HARD_BOUNCE
        )
    if AnymailAPIError is not None and isinstance(exc, AnymailAPIError):
        status = getattr(exc, "status_code", None)
        if status is None or status >= 500 or status == 429:
            return TemporaryFailure(f"provider.{status or 'error'}", str(exc))
        if status in (401, 402, 403):  # the account's keys or plan: a person must fix them
            return ChannelRefused(f"provider.{status}", str(exc))
        return PermanentFailure(f"provider.{status}", str(exc))
    if AnymailError is not None and isinstance(exc, AnymailError):
        return TemporaryFailure("provider.error", str(exc))
    raise exc
