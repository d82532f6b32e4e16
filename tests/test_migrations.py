from __future__ import annotations

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_models_and_committed_migrations_agree():
    # Exits non-zero (SystemExit) when a model change has no migration.
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


@pytest.mark.django_db(transaction=True)
def test_an_imported_yes_recorded_after_a_no_before_the_rule_no_longer_outranks_it():
    """Before imports could not undo a "no", an export's "yes" recorded after a person's
    unsubscribe was in force. The migration that brings the rule in records their "no"
    again (on their timeline), and leaves a "yes" the person gave themselves alone."""
    import datetime as dt

    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    before = [("parties", "0005_party_email_phone_not_indexed")]
    after = [("parties", "0006_consent_decided_at")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    apps = executor.loader.project_state(before).apps
    party_model, consent = apps.get_model("parties", "Party"), apps.get_model("parties", "Consent")
    t0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    parties = [party_model.objects.create(display_name=f"p{i}") for i in range(3)]
    history = {
        parties[0]: [(True, "import:shopify"), (False, "unsubscribe"), (True, "import:shopify")],
        parties[1]: [(False, "unsubscribe"), (True, "import:shopify"), (True, "preferences")],
        parties[2]: [(True, "import:shopify"), (False, "unsubscribe")],
    }
    for party, decisions in history.items():
        for n, (granted, source) in enumerate(decisions):
            consent.objects.create(
                party=party,
                channel="email",
                purpose="marketing",
                granted=granted,
                source=source,
                recorded_at=t0 + dt.timedelta(days=n),
            )
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(after)
    try:
        from patron.parties.consent import current_consents
        from patron.parties.models import Activity, Consent

        ids = [party.pk for party in parties]
        assert current_consents(ids, "email", "marketing") == {
            ids[0]: False,  # the export's yes after the unsubscribe no longer counts
            ids[1]: True,  # they said yes themselves on their preference page
            ids[2]: False,
        }
        restored = Consent.objects.get(source="rule")
        assert restored.party_id == ids[0] and restored.decided_at == t0 + dt.timedelta(days=1)
        assert Activity.objects.filter(party_id=ids[0], verb="consent.recorded").count() == 1
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
