from django.db import migrations, models

# The name Django gave the index (the same on SQLite and PostgreSQL). Dropped by name: on
# SQLite, Django's own AlterField would copy the whole orders table to drop one index.
INDEX = "commerce_order_occurred_at_6e205e91"


class Migration(migrations.Migration):
    dependencies = [
        ("commerce", "0005_order_delivery_contact"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{INDEX}"',
                    reverse_sql=f'CREATE INDEX "{INDEX}" ON "commerce_order" ("occurred_at")',
                )
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="order",
                    name="occurred_at",
                    field=models.DateTimeField(),
                )
            ],
        )
    ]
