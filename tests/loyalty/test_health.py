"""/healthz: what the load balancer and the container runtime ask."""

import pytest
from django_q.conf import Conf

# Port 1 (tcpmux) has no listener on any machine this runs on: the connection is refused at once.
DEAD_REDIS = "redis://127.0.0.1:1/0"


@pytest.fixture
def broken_task_queue(monkeypatch):
    # get_broker() picks the ORM broker while Conf.ORM is set, and Redis when nothing else is.
    monkeypatch.setattr(Conf, "ORM", None)
    monkeypatch.setattr(Conf, "REDIS", DEAD_REDIS)


def test_healthz_answers_ok_when_database_and_task_queue_answer(client, db):
    answer = client.get("/healthz")

    assert answer.status_code == 200
    assert answer.json() == {
        "status": "ok",
        "checks": {"database": "ok", "task_queue": "ok"},
    }


def test_healthz_is_never_cached(client, db):
    assert "no-cache" in client.get("/healthz")["Cache-Control"]


def test_healthz_answers_503_naming_the_task_queue_when_it_is_down(client, db, broken_task_queue):
    answer = client.get("/healthz")

    assert answer.status_code == 503
    body = answer.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["task_queue"].startswith("error: ")
    assert "Connection" in body["checks"]["task_queue"]


def test_healthz_needs_no_sign_in(client, db, owner_a):
    assert client.get("/healthz").status_code == 200


def test_healthz_is_not_redirected_to_https_when_everything_else_is(client, db, settings):
    settings.SECURE_SSL_REDIRECT = True

    assert client.get("/healthz").status_code == 200
    other = client.get("/start/")
    assert other.status_code == 301
    assert other["Location"].startswith("https://")


def test_healthz_only_answers_get(client, db):
    assert client.post("/healthz").status_code == 405
