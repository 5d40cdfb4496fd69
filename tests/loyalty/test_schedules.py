"""Background jobs are declared once, in loyalty/schedules.py, and synchronised by a command."""

from importlib import import_module
from pathlib import Path

from django.core.management import call_command
from django_q.models import Schedule

from loyalty.schedules import SCHEDULES, sync_schedules
from tests.factories import ScheduleFactory


def _rows() -> dict[str, tuple]:
    return {
        row.name: (row.func, row.schedule_type, row.minutes)
        for row in Schedule.objects.filter(name__in=[job.name for job in SCHEDULES])
    }


def test_every_declared_job_is_a_function_that_exists():
    for job in SCHEDULES:
        module, name = job.func.rsplit(".", 1)
        assert callable(getattr(import_module(module), name)), job.func


def test_the_command_makes_the_schedules_match_the_list(db, capsys):
    Schedule.objects.all().delete()
    ScheduleFactory(name="A job that is gone", func="loyalty.tasks.gone")
    ScheduleFactory(name="Someone else's", func="othertool.tasks.keep")

    call_command("sync_schedules")

    assert _rows() == {job.name: (job.func, job.kind, job.minutes) for job in SCHEDULES}
    assert not Schedule.objects.filter(name="A job that is gone").exists()
    assert Schedule.objects.filter(name="Someone else's").exists()
    assert "removed" in capsys.readouterr().out


def test_syncing_twice_changes_nothing_and_keeps_the_next_run(db):
    sync_schedules()
    before = dict(Schedule.objects.values_list("name", "next_run"))

    assert sync_schedules() == (0, 0)
    assert dict(Schedule.objects.values_list("name", "next_run")) == before


def test_a_changed_job_is_written_back(db):
    sync_schedules()
    Schedule.objects.filter(name=SCHEDULES[0].name).update(minutes=99)

    written, _removed = sync_schedules()

    assert written == 1
    assert Schedule.objects.get(name=SCHEDULES[0].name).minutes == SCHEDULES[0].minutes


def test_no_new_migration_declares_a_schedule():
    """The migrations that did (history) stay; from now on schedules live in the list above."""
    root = Path(__file__).resolve().parents[2]
    history = {
        "loyalty/migrations/0004_schedules_and_ledger_guard.py",
        "loyalty/migrations/0010_webhooks.py",
        "loyalty/migrations/0011_api_prune_schedule.py",
        "rewards/migrations/0002_voucher_expiry_schedule.py",
    }
    declaring = [
        str(path.relative_to(root))
        for app in ("loyalty", "members", "rewards", "campaigns", "feedback")
        for path in sorted((root / app / "migrations").glob("0*.py"))
        if '"django_q", "Schedule"' in path.read_text()
    ]

    assert declaring
    assert set(declaring) <= history
