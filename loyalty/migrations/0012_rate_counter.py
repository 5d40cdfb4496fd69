"""The rate limits' hit counters (loyalty.ratelimit) and the daily job that prunes them."""

from django.db import migrations, models
from django.utils import timezone

NAME = "Prune rate-limit counters"


def add_schedule(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    Schedule.objects.update_or_create(
        name=NAME,
        defaults={
            "func": "loyalty.tasks.prune_rate_counters",
            "schedule_type": "D",
            "repeats": -1,
            "next_run": timezone.now(),
        },
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):

    dependencies = [
        ('loyalty', '0011_api_prune_schedule'),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [
        migrations.CreateModel(
            name='RateCounter',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('key', models.CharField(max_length=200)),
                ('window_start', models.DateTimeField()),
                ('expires_at', models.DateTimeField()),
                ('hits', models.PositiveIntegerField(default=0)),
            ],
            options={
                'indexes': [models.Index(fields=['expires_at'], name='rate_counter_expiry')],
                'constraints': [models.UniqueConstraint(fields=('key', 'window_start'), name='rate_counter_window')],
            },
        ),
        migrations.RunPython(add_schedule, remove_schedule),
    ]
