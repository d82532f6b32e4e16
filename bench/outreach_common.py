"""What the keeping-in-touch benches share: a Django set up on a fresh database, and the
PostgreSQL pass (the same script again in its own process with DATABASE_URL set)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

POSTGRES = "postgres://postgres@127.0.0.1:5432/test"


# A business that may advertise on every channel (name, contact, From, 080 number), texts in
# demo mode: the benches measure Patron's own work, not a provider's.
BUSINESS = {
    "PATRON_SENDER_NAME": "한옥찻집",
    "PATRON_SENDER_CONTACT": "02-123-4567",
    "DEFAULT_FROM_EMAIL": "Hanok Tea <hello@hanok.example>",
    "PATRON_SMS_SENDER": "02-1234-5678",
    "PATRON_SMS_OPTOUT_NUMBER": "080-123-4567",
    "PATRON_SMS_PROVIDER": "demo",
}


def setup_django(data_dir: Path) -> None:
    os.environ["PATRON_DATA_DIR"] = str(data_dir)
    for name, value in BUSINESS.items():
        os.environ.setdefault(name, value)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "patron.settings")
    import django
    from django.core.management import call_command

    django.setup()
    if os.environ.get("DATABASE_URL"):
        call_command("flush", interactive=False, verbosity=0)
    call_command("migrate", verbosity=0)


def postgres_pass(script: str, arguments: list[str], url: str = POSTGRES) -> None:
    """Run the script again on PostgreSQL, unless this is that run or PostgreSQL is away."""
    if os.environ.get("DATABASE_URL"):
        return
    try:
        import psycopg

        psycopg.connect(url, connect_timeout=3).close()
    except Exception as exc:
        print(f"NOTICE: PostgreSQL at {url} does not answer ({exc}); SQLite only.")
        return
    env = dict(os.environ, DATABASE_URL=url)
    subprocess.run([sys.executable, script, *arguments], env=env, check=True)


def engine() -> str:
    from django.db import connection

    return "PostgreSQL" if connection.vendor == "postgresql" else "SQLite"
