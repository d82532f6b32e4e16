"""Parties with points, and a ledger the test database can still be emptied of."""

from __future__ import annotations

from tests.outreach.conftest import make_party  # noqa: F401


def wipe_loyalty() -> None:
    """Every loyalty row gone (a test that loads the demo twice): the ledger's triggers are
    lifted for that moment only."""
    from django.apps import apps
    from django.db import connection

    from patron.loyalty import guard

    guard.remove(connection)
    try:
        with connection.cursor() as cursor:
            for table in (
                "loyalty_pointallocation",
                "loyalty_referral",
                "loyalty_pointentry",
                "loyalty_pointbalance",
            ):
                cursor.execute(f"DELETE FROM {table}")
        for name in ("CouponRedemption", "CouponGrant", "Coupon", "GradeChange", "Membership"):
            apps.get_model("loyalty", name).objects.all().delete()
        for name in ("MemberGrade", "PartyRecommendation", "PointsProgram", "GradeProgram"):
            apps.get_model("loyalty", name).objects.all().delete()
    finally:
        guard.install(connection)
