"""The rate limits' hit counters (loyalty.ratelimit). The daily job that prunes them is in
loyalty/schedules.py (`manage.py sync_schedules`): no schedule in a data migration."""

from django.db import migrations, models

class Migration(migrations.Migration):

    dependencies = [
        ('loyalty', '0011_api_prune_schedule'),
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
    ]
