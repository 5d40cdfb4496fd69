"""Every recurring background job, in one list; `manage.py sync_schedules` writes it to django-q2.

A job is named by its dotted path (nothing here imports it), so this core module knows the jobs
of every app without importing any of them. `make run`, `.ci/run` and the production steps call
the command after `migrate`; it is safe to run again (it updates rows by name). Data migrations
declare no schedules any more: the ones that did (loyalty 0004, 0010, 0011; rewards 0002) stay
as history, and the command brings their rows in line with this list.
"""

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django_q.models import Schedule

MINUTES, HOURLY, DAILY = Schedule.MINUTES, Schedule.HOURLY, Schedule.DAILY


@dataclass(frozen=True)
class Job:
    name: str
    func: str
    kind: str
    minutes: int | None = None


SCHEDULES: tuple[Job, ...] = (
    Job("Drain the event outbox", "loyalty.tasks.drain_outbox", MINUTES, 1),
    Job("Release pending points", "loyalty.tasks.release_pending_points", MINUTES, 15),
    Job("Expire points", "loyalty.tasks.expire_points", HOURLY),
    Job("Re-evaluate tiers", "loyalty.tasks.reevaluate_tiers", DAILY),
    Job("Award birthday bonuses", "loyalty.tasks.award_birthday_bonuses", DAILY),
    Job("Send webhook deliveries", "loyalty.webhooks.tasks.send_due_deliveries", MINUTES, 1),
    Job("Prune API idempotency records", "loyalty.api.tasks.prune_idempotency_records", DAILY),
    Job("Prune rate-limit counters", "loyalty.tasks.prune_rate_counters", DAILY),
    Job("Expire vouchers", "rewards.tasks.expire_vouchers", HOURLY),
    Job("Expire stamps", "rewards.tasks.expire_stamps", HOURLY),
    Job("Remind and lapse club memberships", "rewards.tasks.run_club_dates", DAILY),
    Job("Fit the CLV models and score members", "loyalty.tasks.score_clv", DAILY),
    Job("Rebuild the daily statistics", "loyalty.tasks.rebuild_daily_stats", DAILY),
    Job("Rebuild the monthly cohorts", "loyalty.tasks.rebuild_cohorts", DAILY),
    Job("Count the members' balances", "loyalty.tasks.count_balances", DAILY),
    Job(
        "Start automations for lapses, birthdays and anniversaries",
        "campaigns.tasks.enter_scheduled_automations",
        DAILY,
    ),
    Job("Email the owners their monthly recap", "campaigns.tasks.send_monthly_recaps", DAILY),
    Job("Recompute RFM segments and affinity", "campaigns.tasks.recompute_segments", DAILY),
    Job("Run the campaigns' due steps", "campaigns.tasks.run_campaign_steps", MINUTES, 1),
    Job("Send campaign messages", "campaigns.tasks.send_due_messages", MINUTES, 1),
    Job("Check whether unhappy customers came back", "feedback.tasks.check_won_back_cases", DAILY),
    Job("Send survey invitations", "feedback.tasks.send_survey_invitations", MINUTES, 5),
)

# Our jobs live under these packages; a schedule of ours that is not in the list is removed.
OWN_PREFIXES = ("loyalty.", "members.", "rewards.", "campaigns.", "feedback.")


@transaction.atomic
def sync_schedules() -> tuple[int, int]:
    """Make django-q2's schedules match SCHEDULES. Returns (written, removed)."""
    written = 0
    for job in SCHEDULES:
        row, created = Schedule.objects.get_or_create(
            name=job.name,
            defaults={
                "func": job.func,
                "schedule_type": job.kind,
                "minutes": job.minutes,
                "repeats": -1,
                "next_run": timezone.now(),
            },
        )
        if created or (row.func, row.schedule_type, row.minutes, row.repeats) != (
            job.func,
            job.kind,
            job.minutes,
            -1,
        ):
            # An existing row keeps its next_run, so a deploy does not re-run every job at once.
            row.func, row.schedule_type, row.minutes, row.repeats = (
                job.func,
                job.kind,
                job.minutes,
                -1,
            )
            row.save()
            written += 1
    names = {job.name for job in SCHEDULES}
    stale = [
        row.pk
        for row in Schedule.objects.exclude(name__in=names)
        if row.func.startswith(OWN_PREFIXES)
    ]
    removed, _ = Schedule.objects.filter(pk__in=stale).delete()
    return written, removed
