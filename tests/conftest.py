from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.utils import translation

from patron.accounts.roles import Role
from patron.accounts.services import do_add_member

DATA = Path(__file__).parent / "data"


@pytest.fixture(autouse=True)
def _plain_http_test_settings(settings):
    """Tests talk plain HTTP to the test client; production keeps HTTPS on."""
    settings.SECURE_SSL_REDIRECT = False
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # No promotion keeps a holdout unless its test asks for one: tests count who is sent
    # what (tests/outreach/test_holdouts.py checks the default of 10%).
    settings.PATRON_PROMOTION_HOLDOUT = 0
    from django.core.cache import cache

    from patron.core import business

    cache.clear()  # cached page data (duplicates) belongs to the test that made it
    business.forget()  # the business's settings are read again from this test's database


@pytest.fixture(autouse=True)
def _append_only_ledger_emptied(request):
    """A test that commits (a live server, the worker, transaction=True) may leave points
    ledger rows, which the ledger's triggers keep the database flush from deleting: they are
    removed, triggers lifted for that moment only, before the flush (this fixture's
    teardown runs before transactional_db's, on which it depends)."""
    marker = request.node.get_closest_marker("django_db")
    transactional = bool(marker and marker.kwargs.get("transaction")) or (
        "transactional_db" in request.fixturenames
    )
    if not transactional:
        yield
        return
    request.getfixturevalue("transactional_db")
    yield
    from tests.loyalty.conftest import wipe_loyalty

    wipe_loyalty()


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language: a page a test opened in Korean leaves
    Korean active in the thread (Django's LocaleMiddleware activates, never deactivates),
    and wording checked outside a request would follow the test before it."""
    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture
def truth() -> dict:
    return json.loads((DATA / "truth.json").read_text(encoding="utf-8"))


@pytest.fixture
def sample(tmp_path):
    """A copy of a sample export, so a test may change it."""

    def copy(name: str) -> Path:
        target = tmp_path / name
        shutil.copyfile(DATA / name, target)
        return target

    return copy


def add_member(username: str, role: str, password: str, name: str = "") -> User:
    user, _ = do_add_member(username, role=role, password=password, display_name=name)
    return user


@pytest.fixture
def owner(db) -> User:
    return add_member("olivia", Role.OWNER, "owner-password-123")


@pytest.fixture
def manager(db) -> User:
    return add_member("mina", Role.MANAGER, "manager-password-123", "Mina")


@pytest.fixture
def teammate(db) -> User:
    """Staff: sees everything and imports, changes no relationship."""
    return add_member("tom", Role.STAFF, "teammate-password-123")


@pytest.fixture
def outsider(db) -> User:
    return User.objects.create_user("oscar", password="outsider-password-123")


@pytest.fixture
def write_csv(tmp_path):
    """Write rows as a file in the given encoding and delimiter; returns its path."""

    def write(name: str, rows: list[list[str]], *, encoding="utf-8", delimiter=",") -> Path:
        import csv
        import io

        buffer = io.StringIO()
        csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
        path = tmp_path / name
        path.write_bytes(buffer.getvalue().encode(encoding))
        return path

    return write


@pytest.fixture
def worker(transactional_db):
    """Runs the queued background tasks with the real worker, as `patron worker --batch`.

    Transactional tests only: the worker manages its own database connection."""
    from patron.worker import run_worker

    def drain() -> None:
        run_worker(batch=True)

    return drain
