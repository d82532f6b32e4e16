from django.db import migrations, models

# The names Django gave the indexes (the same on SQLite and PostgreSQL, where each has a
# second, "_like" index for prefix searches). Dropped by name: on SQLite, Django's own
# AlterField would copy the whole parties table to drop them.
INDEXES = {"email": "parties_party_email_2a241439", "phone": "parties_party_phone_2a453be9"}


def drop_indexes(apps, schema_editor):
    for name in INDEXES.values():
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}_like"')


def restore_indexes(apps, schema_editor):
    for column, name in INDEXES.items():
        schema_editor.execute(f'CREATE INDEX "{name}" ON "parties_party" ("{column}")')
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(
                f'CREATE INDEX "{name}_like" ON "parties_party" ("{column}" varchar_pattern_ops)'
            )


class Migration(migrations.Migration):
    dependencies = [
        ("parties", "0004_keeping_in_touch"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(drop_indexes, restore_indexes)],
            state_operations=[
                migrations.AlterField(
                    model_name="party",
                    name="email",
                    field=models.CharField(blank=True, max_length=254),
                ),
                migrations.AlterField(
                    model_name="party",
                    name="phone",
                    field=models.CharField(blank=True, help_text="E.164", max_length=32),
                ),
            ],
        )
    ]
