"""Email through Django's email backends: SMTP, a django-anymail provider, or the console."""

from __future__ import annotations

import contextlib
import smtplib
from dataclasses import dataclass
from email.utils import parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.smtp import EmailBackend as SmtpBackend

from ..models import SuppressionReason
from . import Outgoing, PermanentFailure, Sender, TemporaryFailure
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


class EmailSender(Sender):
    channel = "email"

    def __init__(self) -> None:
        self.connection = get_connection(fail_silently=False)
        # Django's own SMTP backend: messages are encoded ahead and written on its
        # connection; any other backend (django-anymail, console) sends them itself.
        self._smtp = type(self.connection) is SmtpBackend

    def _write(self, email) -> None:
        if not isinstance(email, _Encoded):
            email.send()
            return
        if self.connection.connection is None:
            self.connection.open()
        self.connection.connection.sendmail(email.sender, [email.to], email.data)

    def open(self) -> None:
        try:
            self.connection.open()
        except (OSError, smtplib.SMTPException) as exc:
            raise TemporaryFailure("email.unreachable", str(exc), connection_lost=True) from exc

    def close(self) -> None:
        # The server may have gone away: then there is nothing left to close.
        with contextlib.suppress(OSError, smtplib.SMTPException):
            self.connection.close()

    def prepare(self, message: Outgoing):
        if self._smtp:
            # Encoded here, in the composing thread (channels.mime); send() writes the bytes.
            return _Encoded(
                sender=parseaddr(settings.DEFAULT_FROM_EMAIL)[1],
                to=message.to,
                data=encode_message(message, settings.DEFAULT_FROM_EMAIL),
                message_id=message.message_id,
            )
        email = EmailMultiAlternatives(
            subject=message.subject,
            body=message.text,
            from_email=settings.DEFAULT_FROM_EMAIL,
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
            raise _by_code(code, answer, suppress=SuppressionReason.HARD_BOUNCE) from exc
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


def _by_code(code: int, answer: bytes | str, *, suppress: str = "") -> Exception:
    detail = answer.decode("utf-8", "replace") if isinstance(answer, bytes) else str(answer)
    if 500 <= code < 600:
        return PermanentFailure(f"smtp.{code}", detail, suppress=suppress)
    return TemporaryFailure(f"smtp.{code}", detail)


def _anymail_failure(exc: Exception) -> Exception:
    if AnymailRecipientsRefused is not None and isinstance(exc, AnymailRecipientsRefused):
        return PermanentFailure(
            "provider.refused", str(exc), suppress=SuppressionReason.HARD_BOUNCE
        )
    if AnymailAPIError is not None and isinstance(exc, AnymailAPIError):
        status = getattr(exc, "status_code", None)
        if status is None or status >= 500 or status == 429:
            return TemporaryFailure(f"provider.{status or 'error'}", str(exc))
        if status in (401, 403):  # the account's keys: a person must fix them
            return TemporaryFailure(f"provider.{status}", str(exc), connection_lost=True)
        return PermanentFailure(f"provider.{status}", str(exc))
    if AnymailError is not None and isinstance(exc, AnymailError):
        return TemporaryFailure("provider.error", str(exc))
    raise exc
