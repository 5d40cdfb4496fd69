"""config/settings.py read from the environment, in a fresh interpreter each time.

A bad value must stop the process at start with a message naming the variable. Each case
starts Python afresh, because settings are read once per process.
"""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[2]
SETUP = "import django; django.setup(); from django.conf import settings; "

# Only what the interpreter needs: the variables Fidela reads come from each test.
BASE_ENV = {
    "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
    "HOME": os.environ.get("HOME", "/tmp"),
    "LANG": "C.UTF-8",
    "DJANGO_SETTINGS_MODULE": "config.settings",
    "PYTHONDONTWRITEBYTECODE": "1",
}


def _python(code: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=PROJECT,
        env=BASE_ENV | env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def settings_from(expression: str, **env: str):
    result = _python(SETUP + f"import json; print(json.dumps({expression}, default=str))", **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def fails_naming(variable: str, **env: str) -> str:
    result = _python(SETUP, **env)
    assert result.returncode != 0
    last_line = result.stderr.strip().splitlines()[-1]
    assert last_line.startswith("django.core.exceptions.ImproperlyConfigured: "), result.stderr
    assert variable in last_line
    return last_line


@pytest.mark.parametrize("value", ["maybe", "2", "yes please"])
def test_a_debug_that_is_not_a_boolean_stops_the_start(value):
    assert "is not a boolean" in fails_naming("DEBUG", DEBUG=value)


@pytest.mark.parametrize("value", ["TRUE", "on", "1", "yes"])
def test_debug_accepts_the_usual_spellings_of_true(value):
    assert settings_from("settings.DEBUG", DEBUG=value) is True


def test_an_unknown_time_zone_stops_the_start():
    fails_naming("TIME_ZONE", DEBUG="true", TIME_ZONE="Mars/Base")


def test_production_without_a_secret_key_stops_the_start():
    fails_naming("SECRET_KEY", DEBUG="false")


def test_an_unsupported_database_url_stops_the_start():
    fails_naming("DATABASE_URL", DEBUG="true", DATABASE_URL="ftp://x")


def test_a_mysql_database_url_is_refused_as_unsupported():
    fails_naming("DATABASE_URL", DEBUG="true", DATABASE_URL="mysql://u:p@localhost/db")


def test_a_worker_count_below_one_stops_the_start():
    fails_naming("Q_WORKERS", DEBUG="true", Q_WORKERS="0")


def test_a_trusted_origin_without_a_scheme_stops_the_start():
    fails_naming("CSRF_TRUSTED_ORIGINS", DEBUG="true", CSRF_TRUSTED_ORIGINS="example.com")


def test_the_secret_key_is_read_from_a_file(tmp_path):
    secret = secrets.token_urlsafe(50)
    (tmp_path / "secret").write_text(secret + "\n")

    key = settings_from(
        "settings.SECRET_KEY", DEBUG="false", SECRET_KEY_FILE=str(tmp_path / "secret")
    )

    assert key == secret


def test_an_unreadable_secret_file_stops_the_start(tmp_path):
    fails_naming("SECRET_KEY_FILE", DEBUG="false", SECRET_KEY_FILE=str(tmp_path / "missing"))


def test_the_default_database_is_sqlite_set_up_for_a_web_server_and_a_worker():
    database = settings_from("settings.DATABASES['default']", DEBUG="true")

    assert database["ENGINE"] == "django.db.backends.sqlite3"
    assert database["NAME"] == str(PROJECT / "fidela.sqlite3")
    assert database["CONN_MAX_AGE"] == 0
    options = database["OPTIONS"]
    assert options["transaction_mode"] == "IMMEDIATE"
    assert "PRAGMA journal_mode=WAL" in options["init_command"]
    assert "PRAGMA busy_timeout=" in options["init_command"]
    assert "PRAGMA foreign_keys=ON" in options["init_command"]


def test_a_sqlite_connection_really_runs_in_wal_mode(tmp_path):
    url = f"sqlite:///{tmp_path / 'wal.sqlite3'}"
    code = (
        SETUP + "from django.db import connection; cursor = connection.cursor(); "
        "cursor.execute('PRAGMA journal_mode'); print(cursor.fetchone()[0]); "
        "cursor.execute('PRAGMA foreign_keys'); print(cursor.fetchone()[0])"
    )

    result = _python(code, DEBUG="true", DATABASE_URL=url)

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["wal", "1"]


def test_a_postgres_url_checks_connections_before_use():
    database = settings_from(
        "settings.DATABASES['default']",
        DEBUG="true",
        DATABASE_URL="postgres://fidela:secret@db.internal:5432/fidela",
    )

    assert database["ENGINE"] == "django.db.backends.postgresql"
    assert (database["HOST"], database["NAME"]) == ("db.internal", "fidela")
    assert database["CONN_HEALTH_CHECKS"] is True


def test_postgres_prepares_the_sales_statements_unless_told_not_to():
    url = "postgres://fidela:secret@db.internal:5432/fidela"
    options = "settings.DATABASES['default']['OPTIONS']"

    assert settings_from(options, DEBUG="true", DATABASE_URL=url)["prepare_threshold"] == 5
    never = settings_from(options, DEBUG="true", DATABASE_URL=url, PREPARE_THRESHOLD="0")
    assert never["prepare_threshold"] is None
    # Only the cursors that bind on the server prepare; Django's own keep client binding.
    assert "server_side_binding" not in never
    fails_naming("PREPARE_THRESHOLD", DEBUG="true", DATABASE_URL=url, PREPARE_THRESHOLD="-1")


def test_production_defaults_are_secure():
    values = settings_from(
        "[settings.DEBUG, settings.SECURE_SSL_REDIRECT, settings.SESSION_COOKIE_SECURE, "
        "settings.CSRF_COOKIE_SECURE, settings.SECURE_HSTS_SECONDS]",
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
    )

    assert values == [False, True, True, True, 31_536_000]


def test_the_deploy_check_passes_with_production_values():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=PROJECT,
        env=BASE_ENV
        | {
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "loyalty.example.com",
        },
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
