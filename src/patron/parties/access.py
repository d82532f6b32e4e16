"""The access log: who saw, searched, exported or downloaded whose personal data.

One row per request, written by whatever showed the data (a page, the API, a download):
the member or the token, the action, the parties (the first PARTIES_KEPT ids and the
count), the search words, the path, the address and the browser. A busy database never
fails the request for it: the page is shown and the row is written next time it can be
(a warning in the log says it was not). The owner's monthly review (``monthly_review``)
flags whoever saw far more than the rest of the team.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from dataclasses import dataclass
from statistics import median

from django.db import OperationalError, transaction
from django.db.models import Count, Sum
from django.utils import timezone

from .models import AccessAction, AccessRecord

logger = logging.getLogger(__name__)
PARTIES_KEPT = 200
# A member is flagged when they reached this many parties in a month and several times
# the team's usual number: one person exporting thousands stands out.
FLAG_LEAST = 500
FLAG_TIMES = 5


def record_access(
    request,
    action: str,
    party_ids=(),
    *,
    count: int | None = None,
    query: str = "",
    token=None,
) -> None:
    ids = [int(pk) for pk in list(party_ids)[:PARTIES_KEPT]]
    user = getattr(request, "user", None)
    try:
        with transaction.atomic():
            AccessRecord.objects.create(
                user=user if user is not None and user.is_authenticated else None,
                token=token,
                action=action,
                parties=ids,
                count=len(ids) if count is None else count,
                query=(query or "")[:100],
                path=request.path[:200],
                address=_address(request),
                user_agent=request.META.get("HTTP_USER_AGENT", "")[:200],
            )
    except OperationalError:
        logger.warning("access not recorded (database busy): %s %s", action, request.path)


def _address(request) -> str | None:
    """The client's address as the server saw it. A forwarded header is not trusted (any
    client can send one); behind a reverse proxy this is the proxy's address unless the
    proxy passes the client's as REMOTE_ADDR."""
    return request.META.get("REMOTE_ADDR") or None


@dataclass(frozen=True)
class Reviewed:
    who: str  # a member's username, or a token's name
    views: int
    searches: int
    exports: int
    parties: int  # parties reached in all (counts summed)
    flagged: bool


def monthly_review(month: dt.date) -> list[Reviewed]:
    """Each member's and token's access in the month, the most first, flagged when far
    above the team's usual."""
    start = dt.datetime.combine(
        month.replace(day=1), dt.time(), tzinfo=timezone.get_current_timezone()
    )
    end = dt.datetime.combine(_next_month(month), dt.time(), tzinfo=start.tzinfo)
    rows = (
        AccessRecord.objects.filter(at__gte=start, at__lt=end)
        .values("user__username", "token__name", "action")
        .annotate(n=Count("pk"), reached=Sum("count"))
    )
    by_who: dict[str, dict] = defaultdict(lambda: defaultdict(int))
    for row in rows:
        who = row["user__username"] or (row["token__name"] and f"API: {row['token__name']}") or "?"
        by_who[who][row["action"]] += row["n"]
        by_who[who]["parties"] += row["reached"] or 0
    reached = {who: counts["parties"] for who, counts in by_who.items()}
    found = [
        Reviewed(
            who,
            counts[AccessAction.VIEW] + counts[AccessAction.LIST],
            counts[AccessAction.SEARCH],
            counts[AccessAction.EXPORT] + counts[AccessAction.DOWNLOAD],
            counts["parties"],
            _far_above(counts["parties"], [n for other, n in reached.items() if other != who]),
        )
        for who, counts in by_who.items()
    ]
    return sorted(found, key=lambda r: -r.parties)


def _far_above(mine: int, others: list[int]) -> bool:
    """Many parties, and several times what the rest of the team usually reaches."""
    usual = median(others) if others else 0
    return mine >= FLAG_LEAST and mine >= FLAG_TIMES * max(usual, 1)


def _next_month(day: dt.date) -> dt.date:
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
