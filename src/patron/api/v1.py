"""The REST API, version 1, under /api/v1/: django-ninja, its schema at openapi.json and
browsable at docs/ (served from the package's own files: no CDN).

Every call carries an integration's token (``Authorization: Bearer ptn_…``), made by an
owner on the Team page or with ``patron tokens``; each route says which area it needs and
whether to read or write. Calls are throttled per token; errors are problem details.
"""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError

from . import feedback, loyalty, parties
from .auth import PerToken, TokenAuth
from .problems import problem

api = NinjaAPI(
    title="Patron API",
    version="1",
    description=__doc__.split("\n\n", 1)[1],
    urls_namespace="api-v1",
    openapi_url="/openapi.json",
    docs_url="/docs",
    auth=TokenAuth(),
    throttle=[PerToken()],
)


@api.exception_handler(ValidationError)
def _invalid(request, exc: ValidationError):
    errors = [
        {
            "field": ".".join(str(part) for part in error.get("loc", ()) if part != "body"),
            "detail": error.get("msg", ""),
        }
        for error in exc.errors
    ]
    return problem(422, "invalid", _("The request's input is not valid."), errors=errors)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request, exc):
    return problem(
        401,
        "unauthenticated",
        _("A valid token is needed."),
        _("Send Authorization: Bearer with a token that is in force (not expired or revoked)."),
        headers={"WWW-Authenticate": 'Bearer realm="patron"'},
    )


@api.exception_handler(Throttled)
def _throttled(request, exc: Throttled):
    wait = max(int(exc.wait or 1), 1)
    return problem(
        429,
        "throttled",
        _("Too many requests."),
        _("Try again in %(seconds)s seconds.") % {"seconds": wait},
        headers={"Retry-After": str(wait)},
    )


@api.exception_handler(Http404)
def _not_found(request, exc):
    return problem(404, "not-found", _("Not found."))


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    if exc.status_code == 403:
        area, _sep, access = str(exc).partition(":")
        return problem(
            403,
            "forbidden",
            _("This token may not do that."),
            _("It needs %(access)s access to %(area)s.") % {"access": access, "area": area},
        )
    return problem(exc.status_code, "error", str(exc))


api.add_router("/parties", parties.router)
api.add_router("/loyalty", loyalty.router)
api.add_router("/feedback", feedback.router)
