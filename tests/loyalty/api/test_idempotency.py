"""Idempotency-Key: the same key and body twice is one effect and one answer; another body is a
422; the same key while the first request still runs is a 409."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from loyalty.api.idempotency import RETENTION, STALE, prune
from loyalty.models import IdempotencyRecord, IdempotencyState, Purchase
from loyalty.models.points import PointsEntry
from members.models import Member
from tests.loyalty.api.conftest import assert_problem


def sale(card: str, external_id: str = "S-1", amount: str = "23.50") -> dict:
    return {"external_id": external_id, "member": card, "amount": amount}


def test_same_key_and_body_twice_is_one_effect_and_the_same_answer(api_a, member_a):
    first = api_a.post(
        "/api/v1/purchases", sale(member_a.card_number), format="json", HTTP_IDEMPOTENCY_KEY="k1"
    )
    entries = PointsEntry.objects.filter(member=member_a).count()
    second = api_a.post(
        "/api/v1/purchases", sale(member_a.card_number), format="json", HTTP_IDEMPOTENCY_KEY="k1"
    )

    assert first.status_code == second.status_code == 201
    assert first.content == second.content
    assert second["Idempotent-Replayed"] == "true"
    assert PointsEntry.objects.filter(member=member_a).count() == entries
    assert Purchase.objects.filter(external_id="S-1").count() == 1


def test_a_repeated_enrolment_enrols_once(api_a):
    body = {"email": "new@example.com", "first_name": "Nora"}
    first = api_a.post("/api/v1/members", body, format="json", HTTP_IDEMPOTENCY_KEY="join-1")
    second = api_a.post("/api/v1/members", body, format="json", HTTP_IDEMPOTENCY_KEY="join-1")

    assert first.status_code == second.status_code == 201
    assert first.content == second.content
    assert Member.objects.filter(email="new@example.com").count() == 1


def test_an_error_answer_is_stored_and_replayed_too(api_a, member_a):
    body = sale(member_a.card_number, amount="-1")
    first = api_a.post("/api/v1/purchases", body, format="json", HTTP_IDEMPOTENCY_KEY="bad")
    second = api_a.post("/api/v1/purchases", body, format="json", HTTP_IDEMPOTENCY_KEY="bad")

    assert_problem(first, 400, "invalid")
    assert second.status_code == 400
    assert second.content == first.content
    assert second["Content-Type"] == first["Content-Type"]


def test_same_key_with_another_body_is_a_422(api_a, member_a):
    api_a.post(
        "/api/v1/purchases", sale(member_a.card_number), format="json", HTTP_IDEMPOTENCY_KEY="k2"
    )

    answer = api_a.post(
        "/api/v1/purchases",
        sale(member_a.card_number, amount="99.00"),
        format="json",
        HTTP_IDEMPOTENCY_KEY="k2",
    )

    assert_problem(answer, 422, "idempotency_key_reused")
    assert Purchase.objects.get(external_id="S-1").amount == 23.5


def test_same_key_on_another_endpoint_is_a_422(api_a, member_a):
    api_a.post(
        "/api/v1/purchases", sale(member_a.card_number), format="json", HTTP_IDEMPOTENCY_KEY="k3"
    )

    answer = api_a.post(
        "/api/v1/purchases/S-1/refunds",
        sale(member_a.card_number),
        format="json",
        HTTP_IDEMPOTENCY_KEY="k3",
    )

    assert_problem(answer, 422, "idempotency_key_reused")


def test_same_key_while_the_first_is_still_running_is_a_409(api_a, key_a, member_a):
    # The first request is running: its record is started and has no answer yet.
    body = sale(member_a.card_number)
    first = api_a.post("/api/v1/purchases", body, format="json", HTTP_IDEMPOTENCY_KEY="k4")
    IdempotencyRecord.objects.filter(key="k4").update(state=IdempotencyState.STARTED, body="")
    Purchase.objects.filter(external_id="S-1")  # the sale itself is unchanged

    answer = api_a.post("/api/v1/purchases", body, format="json", HTTP_IDEMPOTENCY_KEY="k4")

    assert first.status_code == 201
    assert_problem(answer, 409, "idempotency_key_in_progress")
    # 409 is not stored: the record is still the first request's.
    assert IdempotencyRecord.objects.get(key="k4").state == IdempotencyState.STARTED


def test_a_request_whose_process_died_is_taken_over_after_a_while(api_a, member_a):
    body = sale(member_a.card_number)
    api_a.post("/api/v1/purchases", body, format="json", HTTP_IDEMPOTENCY_KEY="k5")
    IdempotencyRecord.objects.filter(key="k5").update(
        state=IdempotencyState.STARTED, body="", created_at=timezone.now() - STALE * 2
    )

    answer = api_a.post("/api/v1/purchases", body, format="json", HTTP_IDEMPOTENCY_KEY="k5")

    # The retry runs; the sale's own idempotency (shop, external_id) keeps it one sale.
    assert answer.status_code == 201
    assert Purchase.objects.filter(external_id="S-1").count() == 1
    assert IdempotencyRecord.objects.get(key="k5").state == IdempotencyState.DONE


def test_a_key_past_its_retention_is_free_again(api_a, member_a):
    api_a.post(
        "/api/v1/purchases", sale(member_a.card_number), format="json", HTTP_IDEMPOTENCY_KEY="k6"
    )
    IdempotencyRecord.objects.filter(key="k6").update(
        created_at=timezone.now() - RETENTION - timedelta(minutes=1)
    )

    answer = api_a.post(
        "/api/v1/purchases",
        sale(member_a.card_number, external_id="S-2"),
        format="json",
        HTTP_IDEMPOTENCY_KEY="k6",
    )

    assert answer.status_code == 201
    assert answer.json()["external_id"] == "S-2"


def test_answers_are_kept_24_hours_then_pruned(api_a, member_a):
    api_a.post(
        "/api/v1/purchases", sale(member_a.card_number), format="json", HTTP_IDEMPOTENCY_KEY="k7"
    )

    assert prune(now=timezone.now() + timedelta(hours=23)) == 0
    assert prune(now=timezone.now() + RETENTION + timedelta(minutes=1)) == 1


def test_two_tills_may_use_the_same_key(api_a, api_b, member_a):
    a = api_a.post("/api/v1/purchases", sale(""), format="json", HTTP_IDEMPOTENCY_KEY="same")
    b = api_b.post("/api/v1/purchases", sale(""), format="json", HTTP_IDEMPOTENCY_KEY="same")

    assert a.status_code == b.status_code == 201
    assert a.json()["shop"] != b.json()["shop"]


@pytest.mark.parametrize("key", ["", "x" * 256, "clé"])
def test_a_bad_key_is_a_400(api_a, member_a, key):
    answer = api_a.post(
        "/api/v1/purchases", sale(member_a.card_number), format="json", HTTP_IDEMPOTENCY_KEY=key
    )

    body = assert_problem(answer, 400, "idempotency_key_invalid")
    assert "Idempotency-Key" in body["errors"]
    assert not Purchase.objects.exists()


def test_a_sale_is_idempotent_by_receipt_number_without_the_header(api_a, member_a):
    first = api_a.post("/api/v1/purchases", sale(member_a.card_number), format="json")
    second = api_a.post("/api/v1/purchases", sale(member_a.card_number), format="json")

    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert Purchase.objects.filter(external_id="S-1").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_with_one_key_make_one_sale(merchant_a, shop_a, owner_a):
    from decimal import Decimal

    from loyalty.tenancy.services import create_api_key
    from members.services.enrolment import enrol_member
    from tests.loyalty.api.conftest import key_client

    member = enrol_member(merchant=merchant_a, email="race@example.com")
    _key, raw = create_api_key(merchant=merchant_a, shop=shop_a, actor=owner_a)
    barrier = threading.Barrier(4)
    statuses: list[int] = []

    def post():
        try:
            barrier.wait()
            answer = key_client(raw).post(
                "/api/v1/purchases",
                sale(member.card_number, amount="40.00"),
                format="json",
                HTTP_IDEMPOTENCY_KEY="race",
            )
            statuses.append(answer.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert set(statuses) <= {201, 409}
    assert 201 in statuses
    assert Purchase.objects.filter(external_id="S-1").count() == 1
    member.refresh_from_db()
    assert member.lifetime_spend == Decimal("40.00")


def test_the_daily_job_prunes_old_answers(api_a, member_a):
    from django_q.models import Schedule

    from loyalty.api.tasks import prune_idempotency_records

    api_a.post(
        "/api/v1/purchases", sale(member_a.card_number), format="json", HTTP_IDEMPOTENCY_KEY="k8"
    )
    IdempotencyRecord.objects.update(created_at=timezone.now() - RETENTION * 2)

    assert prune_idempotency_records() == 1
    assert (
        Schedule.objects.get(func="loyalty.api.tasks.prune_idempotency_records").schedule_type
        == "D"
    )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_repeat_while_the_first_request_runs_is_a_409(merchant_a, shop_a, owner_a):
    """A real concurrent request: the first one is held inside the points engine (through the
    promotions hook) while the repeat arrives."""
    from loyalty.points import earning
    from loyalty.tenancy.services import create_api_key
    from members.services.enrolment import enrol_member
    from tests.loyalty.api.conftest import key_client

    member = enrol_member(merchant=merchant_a, email="slow@example.com")
    _key, raw = create_api_key(merchant=merchant_a, shop=shop_a, actor=owner_a)
    inside, release = threading.Event(), threading.Event()

    def slow_promotion(**kwargs):
        inside.set()
        release.wait(timeout=10)
        return None

    answers = {}

    def first():
        try:
            answers["first"] = key_client(raw).post(
                "/api/v1/purchases",
                sale(member.card_number),
                format="json",
                HTTP_IDEMPOTENCY_KEY="slow",
            )
        finally:
            connection.close()

    earning.register_promotion(slow_promotion)
    try:
        thread = threading.Thread(target=first)
        thread.start()
        assert inside.wait(timeout=10)
        repeat = key_client(raw).post(
            "/api/v1/purchases",
            sale(member.card_number),
            format="json",
            HTTP_IDEMPOTENCY_KEY="slow",
        )
        release.set()
        thread.join()
    finally:
        release.set()
        earning.unregister_promotion(slow_promotion)

    assert_problem(repeat, 409, "idempotency_key_in_progress")
    assert answers["first"].status_code == 201
    again = key_client(raw).post(
        "/api/v1/purchases", sale(member.card_number), format="json", HTTP_IDEMPOTENCY_KEY="slow"
    )
    assert again.status_code == 201
    assert again.content == answers["first"].content
    assert Purchase.objects.filter(external_id="S-1").count() == 1
