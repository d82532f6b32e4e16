"""The production profile passes Django's deployment checks with no warning at all."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys


def test_check_deploy_reports_no_issues(tmp_path):
    # A production environment: none of the test run's own switches (the browser tests set
    # DJANGO_ALLOW_ASYNC_UNSAFE for Playwright's event loop).
    test_only = {"DEBUG", "PATRON_HTTPS", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {k: v for k, v in os.environ.items() if k not in test_only}
    env.update(
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="crm.example.com",
        PATRON_DATA_DIR=str(tmp_path),
    )
    result = subprocess.run(
        [sys.executable, "-m", "patron.cli", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_passwords_are_hashed_with_argon2_and_need_12_characters():
    # The module itself: the test settings swap in a fast hasher.
    import patron.settings as configured

    assert configured.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    validators = configured.AUTH_PASSWORD_VALIDATORS
    lengths = [v.get("OPTIONS", {}).get("min_length") for v in validators]
    assert 12 in lengths
