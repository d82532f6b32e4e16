"""Deployment checks (``patron check --deploy``): what makes people's links point nowhere and
messages go nowhere in production.

- The site URL is where every refusal link, preference page and RSVP points, and the
  ``List-Unsubscribe`` header needs HTTPS (RFC 8058): in production it must be an HTTPS
  address that is not this machine's loopback.
- Email must leave through a real backend (SMTP or a provider), not the console.
- Texts must have a provider, or be put in demo mode on purpose: a production install that
  says nothing about texts would let them wait unseen.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Tags, Warning, register
from django.db import DatabaseError

LOOPBACK = ("127.", "localhost", "::1", "[::1]", "0.0.0.0")


@register(Tags.security, deploy=True)
def site_url_is_public_https(app_configs=None, **kwargs) -> list[Warning]:
    url = urlsplit(settings.PATRON_SITE_URL)
    host = (url.hostname or "").lower()
    if url.scheme != "https" or not host or host.startswith(LOOPBACK):
        return [
            Warning(
                f"PATRON_SITE_URL is {settings.PATRON_SITE_URL!r}: the links in messages "
                "(unsubscribe, preferences, RSVP) would point nowhere, and one-click "
                "unsubscribe (RFC 8058) needs HTTPS.",
                hint="Set PATRON_SITE_URL to the HTTPS address people reach Patron at.",
                id="patron.W001",
            )
        ]
    return []


@register(deploy=True)
def email_leaves_for_real(app_configs=None, **kwargs) -> list[Warning]:
    backend = settings.EMAIL_BACKEND.lower()
    if any(f".{name}." in backend for name in ("console", "locmem", "filebased", "dummy")):
        return [
            Warning(
                f"EMAIL_BACKEND is {settings.EMAIL_BACKEND}: emails are printed, not sent.",
                hint="Set EMAIL_HOST (SMTP) or EMAIL_BACKEND to a django-anymail provider.",
                id="patron.W002",
            )
        ]
    return []


@register(deploy=True)
def texts_have_a_provider(app_configs=None, databases=None, **kwargs) -> list[Warning]:
    from patron.core.business import business

    try:
        provider = business().text_provider
    except DatabaseError:  # not migrated yet: `patron setup` runs the checks after migrating
        provider = settings.PATRON_SMS_PROVIDER
    if not provider:
        return [
            Warning(
                "No text-message provider is set: SMS and 알림톡 would wait unsent.",
                hint="Choose Solapi or NHN Cloud on Business settings (or PATRON_SMS_PROVIDER), "
                "or PATRON_SMS_PROVIDER=demo to print them on purpose.",
                id="patron.W003",
            )
        ]
    return []
