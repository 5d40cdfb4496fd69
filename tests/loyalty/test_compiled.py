"""loyalty.compiled: a queryset built once gives, call after call, what the ORM gives."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from loyalty.compiled import CompiledQuery
from loyalty.models import ApiKey
from loyalty.tenancy.services import authenticate_api_key, create_api_key
from members.models import Member
from members.queries import member_by_card
from members.services.enrolment import enrol_member

BY_CARD = CompiledQuery(
    lambda merchant_id, card: (
        Member.objects.filter(merchant_id=merchant_id, card_number=card)
        .select_related("merchant__program", "tier")
        .order_by("pk")[:1]
    ),
    merchant_id=-1,
    card="\x00no card",
)


def test_each_call_gets_its_own_row_with_the_related_objects_and_converted_values(
    merchant_a, merchant_b
):
    ana = enrol_member(merchant=merchant_a, email="ana@example.com", first_name="Ana")
    bob = enrol_member(merchant=merchant_b, email="bob@example.com", first_name="Bob")

    for member in (ana, bob):
        orm = Member.objects.select_related("merchant__program", "tier").filter(pk=member.pk).get()
        with CaptureQueriesContext(connection) as queries:
            found = BY_CARD.first(merchant_id=member.merchant_id, card=member.card_number)
            # The related objects came with the row: no query of their own.
            assert found.merchant.program.pk == orm.merchant.program.pk
            assert found.tier == orm.tier
        assert len(queries) == 1
        assert found == orm and not found._state.adding and found._state.db == "default"
        for field in Member._meta.concrete_fields:
            assert getattr(found, field.attname) == getattr(orm, field.attname), field.name
        assert isinstance(found.lifetime_spend, Decimal)
        assert (
            found.merchant.program.first_purchase_bonus == orm.merchant.program.first_purchase_bonus
        )


def test_a_missing_row_is_none_and_another_merchants_card_is_missing(merchant_a, merchant_b):
    ana = enrol_member(merchant=merchant_a, email="ana@example.com")

    assert BY_CARD.first(merchant_id=merchant_b.pk, card=ana.card_number) is None
    assert BY_CARD.first(merchant_id=merchant_a.pk, card="0" * 16) is None
    assert member_by_card(merchant_b, ana.card_number) is None
    assert member_by_card(merchant_a, ana.card_number) == ana


def test_a_stand_in_the_query_does_not_pass_as_given_fails_at_once(merchant_a):
    lowered = CompiledQuery(
        lambda email: Member.objects.filter(email__icontains=email), email="\x00stand-in"
    )

    with pytest.raises(RuntimeError, match="did not reach the SQL"):
        lowered.first(email="ana")


def test_the_api_key_comes_with_its_merchant_and_shop_and_a_revoked_key_does_not(
    merchant_a, shop_a, owner_a
):
    key, raw = create_api_key(merchant=merchant_a, shop=shop_a, name="Till", actor=owner_a)

    found = authenticate_api_key(raw)

    assert found == key
    assert found.merchant == merchant_a and found.shop == shop_a
    assert found.shop.merchant is found.merchant
    ApiKey.objects.filter(pk=key.pk).update(revoked_at=found.last_used_at)
    assert authenticate_api_key(raw) is None
    assert authenticate_api_key(raw + "x") is None


def test_insert_writes_the_rows_in_order_with_their_keys_and_values_as_django_would(merchant_a):
    from django.utils import timezone

    from loyalty.compiled import insert
    from loyalty.models.points import Event

    now = timezone.now()
    rows = [
        Event(
            merchant_id=merchant_a.pk,
            type="points.earned",
            payload={"n": n, "x": "ș"},
            created_at=now,
        )
        for n in range(3)
    ]

    with CaptureQueriesContext(connection) as queries:
        insert(rows)

    assert len(queries) == 1
    assert all(row.pk and not row._state.adding and row._state.db == "default" for row in rows)
    stored = {event.pk: event for event in Event.objects.filter(pk__in=[row.pk for row in rows])}
    for n, row in enumerate(rows):
        assert stored[row.pk].payload == {"n": n, "x": "ș"}
        assert stored[row.pk].created_at == now and stored[row.pk].processed_at is None
    insert([])  # nothing to write: no statement


@pytest.mark.postgres
def test_on_postgresql_a_statement_run_often_is_prepared_once_and_answers_the_same(merchant_a):
    ana = enrol_member(merchant=merchant_a, email="ana@example.com")

    found = [BY_CARD.first(merchant_id=merchant_a.pk, card=ana.card_number) for _ in range(7)]

    assert found == [ana] * 7
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
            ['%FROM "members_member"%"card_number" = $%'],
        )
        assert cursor.fetchone()[0] == 1


def test_the_outbox_writes_a_few_events_in_one_statement_and_a_large_batch_as_django_does(
    merchant_a,
):
    from django.utils import timezone

    from loyalty.models.points import Event, OutboxManager

    now = timezone.now()

    def events(count: int, kind: str) -> list[Event]:
        return [
            Event(merchant_id=merchant_a.pk, type=kind, payload={"n": n}, created_at=now)
            for n in range(count)
        ]

    with CaptureQueriesContext(connection) as queries:
        few = Event.objects.bulk_create(events(3, "purchase.recorded"))
    assert len(queries) == 1 and "RETURNING" in queries[0]["sql"]
    assert [event.pk for event in few] == sorted(event.pk for event in few)

    many = Event.objects.bulk_create(events(OutboxManager.FAST_BATCH + 5, "member.joined"))
    also = Event.objects.bulk_create(events(2, "tier.changed"), batch_size=1)

    assert all(event.pk for event in many + also)
    stored = Event.objects.filter(merchant=merchant_a)
    assert stored.filter(type="purchase.recorded").count() == 3
    assert sorted(stored.filter(type="member.joined").values_list("payload__n", flat=True)) == (
        list(range(OutboxManager.FAST_BATCH + 5))
    )
    assert stored.filter(type="tier.changed", processed_at=None).count() == 2
