"""schemathesis against the schema the API serves, in process: for every operation, 100
generated requests with a token that reaches every area; no server error, every status and
every body as the schema declares them."""

from __future__ import annotations

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from patron.accounts.models import TokenArea
from patron.accounts.tokens import do_make_token
from tests.outreach.conftest import make_party

pytestmark = pytest.mark.django_db
EXAMPLES = 100


@pytest.fixture
def served(db):
    """The app as a server runs it, inside this test's transaction (Django's test client
    keeps the connection open across requests the same way; a real server closes it)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.fixture
def everything(db, settings):
    settings.PATRON_API_RATE = "100000/m"  # the generator calls faster than a till would
    for i in range(3):
        make_party(i, phone=True)
    return do_make_token("fuzz", dict.fromkeys(TokenArea.values, "write")).secret


def test_every_operation_answers_as_its_schema_says(served, everything):
    # Content types are left out: errors are application/problem+json (RFC 9457), which
    # django-ninja's schema writes as application/json.
    checks = [not_a_server_error, status_code_conformance, response_schema_conformance]
    headers = {"Authorization": f"Bearer {everything}"}
    operations = [result.ok() for result in served.get_all_operations()]
    assert len(operations) >= 9

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
        )
        def answers_by_the_schema(case):
            case.call_and_validate(headers=headers, checks=checks)

        answers_by_the_schema()
