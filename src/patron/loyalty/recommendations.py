"""Each party's two lists, from everyone's purchases: buy again and discover.

Read once, as three columns (party, offering, local day) of every purchased order line and
every service that took place with an offering; fitted by patron.analytics.recommend (EASE
below 15,000 offerings, item-item with shrinkage above); written as one row per party, in
batches, each its own transaction. Buy again: the offerings a party buys regularly (on three
days or more), due by its own rhythm, never one bought in the last week. Discover: what
parties who bought the same things bought, never what the party bought, never a tailored
service (made for one client: nobody else's to suggest), filled with best-sellers when the
model has too little to say. Run after every import's refresh and when the demo loads.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
from django.db import transaction
from django.db.models.functions import TruncDate
from django.utils import timezone

from patron.analytics import recommend
from patron.commerce.models import (
    NOT_PURCHASED,
    Engagement,
    EngagementStatus,
    Offering,
    OfferingKind,
    OrderLine,
)
from patron.core.bulk import insert_rows
from patron.parties.models import Party

from .models import PartyRecommendation

LIST_SIZE = 5  # shown per list on a page; the model ranks more
WRITE_BATCH = 2000
_EPOCH = dt.date(1970, 1, 1).toordinal()


def interactions() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(party ids, offering ids, local day numbers since 1970-01-01), one per purchased line
    or service that took place, sorted by party, offering and day."""
    lines = (
        OrderLine.objects.filter(offering__isnull=False)
        .exclude(order__status__in=NOT_PURCHASED)
        .values_list("order__party_id", "offering_id", TruncDate("order__occurred_at"))
    )
    served = Engagement.objects.filter(
        offering__isnull=False, status=EngagementStatus.DONE
    ).values_list("party_id", "offering_id", TruncDate("started_at"))
    parts = [_columns(rows) for rows in (lines, served)]
    party = np.concatenate([p for p, _o, _d in parts])
    offering = np.concatenate([o for _p, o, _d in parts])
    day = np.concatenate([d for _p, _o, d in parts])
    order = np.lexsort((day, offering, party))
    return party[order], offering[order], day[order]


def _columns(rows, chunk: int = 50_000) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Three int64 columns from (party, offering, date) rows, a chunk of tuples at a time:
    the rows are never all held as Python objects (a million lines would take ~200 MB)."""
    parties, offerings, days = [], [], []
    batch: list[tuple] = []
    for row in rows.iterator(chunk_size=10_000):
        batch.append(row)
        if len(batch) >= chunk:
            _append(batch, parties, offerings, days)
            batch = []
    _append(batch, parties, offerings, days)
    empty = [np.array([], dtype=np.int64)]
    return (
        np.concatenate(parties or empty),
        np.concatenate(offerings or empty),
        np.concatenate(days or empty),
    )


def _append(batch: list[tuple], parties: list, offerings: list, days: list) -> None:
    if not batch:
        return
    n = len(batch)
    parties.append(np.fromiter((r[0] for r in batch), dtype=np.int64, count=n))
    offerings.append(np.fromiter((r[1] for r in batch), dtype=np.int64, count=n))
    days.append(np.fromiter((r[2].toordinal() - _EPOCH for r in batch), dtype=np.int64, count=n))


def do_recommend(*, today: dt.date | None = None) -> dict[str, int]:
    """Compute both lists for every party that bought anything, and replace the stored ones
    (a party that no longer has any keeps none)."""
    today = today or timezone.localdate()
    party_ids, offering_ids, day = interactions()
    if len(party_ids) == 0:
        PartyRecommendation.objects.all().delete()
        return {"parties": 0, "offerings": 0}
    parties, party_idx = np.unique(party_ids, return_inverse=True)
    offerings, item_idx = np.unique(offering_ids, return_inverse=True)
    X = recommend.interaction_matrix(party_idx, item_idx, shape=(len(parties), len(offerings)))
    model = recommend.fit(X)
    tailored = set(Offering.objects.filter(kind=OfferingKind.TAILORED).values_list("pk", flat=True))
    top = recommend.discover(
        model,
        X,
        n=LIST_SIZE,
        exclude=np.array([int(pk) in tailored for pk in offerings]),
        fallback=recommend.popularity(X),
    )
    today_number = today.toordinal() - _EPOCH
    due = recommend.buy_again(party_idx, item_idx, day, today_number, n=LIST_SIZE)
    again = _again_by_party(due, offerings)
    live = set(
        Party.objects.filter(merged_into__isnull=True).values_list("pk", flat=True).iterator()
    )
    now = timezone.now()
    rows = [
        (
            int(pk),
            again.get(row, []),
            [int(offerings[i]) for i in top[row] if i >= 0],
            now,
        )
        for row, pk in enumerate(parties)
        if int(pk) in live
    ]
    _replace(rows, now)
    return {"parties": len(rows), "offerings": len(offerings), "model": model.kind_}


def _again_by_party(due: recommend.BuyAgain, offerings: np.ndarray) -> dict[int, list]:
    found: dict[int, list] = {}
    for party, item, due_day, rhythm in zip(
        due.party, due.item, due.due_day, due.rhythm_days, strict=True
    ):
        day = dt.date.fromordinal(int(due_day) + _EPOCH).isoformat()
        found.setdefault(int(party), []).append([int(offerings[item]), day, round(float(rhythm))])
    return found


def _replace(rows: list[tuple], now: dt.datetime) -> None:
    """The stored lists replaced batch by batch: a page read meanwhile sees old or new
    lists, never none for a party that has some. Those not written now (a party merged
    away, or whose purchases were undone) go last."""
    for start in range(0, len(rows), WRITE_BATCH):
        batch = rows[start : start + WRITE_BATCH]
        with transaction.atomic():
            PartyRecommendation.objects.filter(party_id__in=[row[0] for row in batch]).delete()
            insert_rows(
                PartyRecommendation, ["party_id", "again", "discover", "computed_at"], batch
            )
    PartyRecommendation.objects.filter(computed_at__lt=now).delete()


def lists_for(party_id: int) -> dict[str, list]:
    """The party's lists for a page: offerings with, for buy again, the day each is due."""
    stored = PartyRecommendation.objects.filter(party_id=party_id).first()
    if stored is None:
        return {"again": [], "discover": [], "computed_at": None}
    wanted = {pk for pk, _day, _rhythm in stored.again} | set(stored.discover)
    names = Offering.objects.in_bulk(list(wanted))
    again = [
        {"offering": names[pk], "due": dt.date.fromisoformat(day), "rhythm": rhythm}
        for pk, day, rhythm in stored.again
        if pk in names
    ]
    discover = [names[pk] for pk in stored.discover if pk in names]
    return {"again": again, "discover": discover, "computed_at": stored.computed_at}


def next_offering_names(ids: list[int]) -> dict[int, str]:
    """The merge field: the first offering due again, else the first suggestion."""
    rows = PartyRecommendation.objects.filter(party_id__in=ids).values_list(
        "party_id", "again", "discover"
    )
    first = {}
    for party_id, again, discover in rows:
        pick = again[0][0] if again else (discover[0] if discover else None)
        if pick is not None:
            first[party_id] = pick
    names = dict(Offering.objects.filter(pk__in=set(first.values())).values_list("pk", "name"))
    return {party_id: names.get(pk, "") for party_id, pk in first.items()}
