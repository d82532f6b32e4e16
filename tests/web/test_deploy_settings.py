"""The production profile passes Django's deployment checks with no warning at all."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys


def check_deploy(tmp_path, **variables) -> subprocess.CompletedProcess:
    # A production environment: none of the test run's own switches (the browser tests set
    # DJANGO_ALLOW_ASYNC_UNSAFE for Playwright's event loop).
    test_only = {"DEBUG", "PATRON_HTTPS", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {k: v for k, v in os.environ.items() if k not in test_only}
    env.update(
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="crm.example.com",
        PATRON_DATA_DIR=str(tmp_path),
        **variables,
    )
    return subprocess.run(
        [sys.executable, "-m", "patron.cli", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_reports_no_issues(tmp_path):
    result = check_deploy(
        tmp_path,
        PATRON_SITE_URL="https://crm.example.com",
        EMAIL_HOST="smtp.example.com",
        PATRON_SMS_PROVIDER="demo",  # printing texts on purpose is a choice, said out loud
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_says_when_links_and_messages_would_go_nowhere(tmp_path):
    """The site URL left at its default (loopback, plain HTTP), emails printed on the
    console, texts without a provider: each is named."""
    result = check_deploy(tmp_path)
    assert result.returncode != 0
    for code in ("patron.W001", "patron.W002", "patron.W003"):
        assert code in result.stderr


def test_passwords_are_hashed_with_argon2_and_need_12_characters():
    # The module itself: the test settings swap in a fast hasher.
    import patron.settings as configured

    assert configured.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    validators = configured.AUTH_PASSWORD_VALIDATORS
    lengths = [v.get("OPTIONS", {}).get("min_length") for v in validators]
    assert 12 in lengths
