"""The recurring jobs of the points engine, and a database guard on the ledger.

On PostgreSQL a trigger refuses any UPDATE or DELETE of a ledger row, so the append-only
rule holds even for code that bypasses the ORM. (SQLite, the embedded default, relies on
the model and queryset guards; its test flush deletes rows, which a trigger would refuse.)
"""

from django.db import migrations
from django.utils import timezone

SCHEDULES = [
    # name, function, type, minutes
    ("Drain the event outbox", "loyalty.tasks.drain_outbox", "I", 1),
    ("Release pending points", "loyalty.tasks.release_pending_points", "I", 15),
    ("Expire points", "loyalty.tasks.expire_points", "H", None),
    ("Re-evaluate tiers", "loyalty.tasks.reevaluate_tiers", "D", None),
    ("Award birthday bonuses", "loyalty.tasks.award_birthday_bonuses", "D", None),
]

GUARD_SQL = """
CREATE OR REPLACE FUNCTION loyalty_ledger_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the points ledger is append-only: write a reversing entry';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER loyalty_pointsentry_append_only
    BEFORE UPDATE OR DELETE ON loyalty_pointsentry
    FOR EACH ROW EXECUTE FUNCTION loyalty_ledger_append_only();
"""
UNGUARD_SQL = """
DROP TRIGGER IF EXISTS loyalty_pointsentry_append_only ON loyalty_pointsentry;
DROP FUNCTION IF EXISTS loyalty_ledger_append_only();
"""


def add_schedules(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    for name, func, kind, minutes in SCHEDULES:
        Schedule.objects.update_or_create(
            name=name,
            defaults={
                "func": func,
                "schedule_type": kind,
                "minutes": minutes,
                "repeats": -1,
                "next_run": timezone.now(),
            },
        )


def remove_schedules(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    Schedule.objects.filter(name__in=[s[0] for s in SCHEDULES]).delete()


def guard(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(GUARD_SQL)


def unguard(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(UNGUARD_SQL)


class Migration(migrations.Migration):
    dependencies = [
        ("loyalty", "0003_pointsentry_member_pointsentry_merchant_and_more"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [
        migrations.RunPython(add_schedules, remove_schedules),
        migrations.RunPython(guard, unguard),
    ]
