"""Finding a member by name at the till (issue 17): a prefix of the first name, the last name
or "first last", whatever the case and the accents; a short list to pick from."""

import sqlite3

import pytest
from django.db import connection
from django.db.backends.sqlite3.base import DatabaseWrapper as SQLiteWrapper
from django.test.utils import CaptureQueriesContext

from loyalty import staff_flags
from loyalty.models import FlagKind, Identification, StaffFlag
from members.models import Member
from members.queries import NAME_RESULTS, NameKey, find_members_by_name, looks_like_name
from members.services.enrolment import enrol_member
from tests.loyalty.pos.conftest import HX, was_found

FIND = "/pos/find/"
PICK = "/pos/find/pick/"


@pytest.fixture
def dan(merchant_a):
    return enrol_member(merchant=merchant_a, phone="0721234123", first_name="Dan", last_name="Ene")


@pytest.fixture
def stefan(merchant_a):
    return enrol_member(
        merchant=merchant_a, phone="0722000333", first_name="Ștefan", last_name="Enăchescu"
    )


def names(merchant, text) -> list[str]:
    return [member.display_name for member in find_members_by_name(merchant, text)]


# --- The query -----------------------------------------------------------------------------


def test_a_prefix_of_the_first_name_the_last_name_or_both_finds_the_member(merchant_a, dan):
    for typed in ("Dan", "Ene", "Dan Ene", "dan  en", "Dan E", "DAN ENE"):
        assert names(merchant_a, typed) == ["Dan Ene"], typed


def test_a_part_that_is_not_a_prefix_finds_nobody(merchant_a, dan):
    for typed in ("ane", "nea", "Ene Dan", "Dan Enex", "Dana"):
        assert names(merchant_a, typed) == [], typed


def test_case_and_accents_do_not_matter(merchant_a, dan, stefan):
    for typed in ("stefan", "ȘTEFAN", "Ştefan", "enaches", "ENĂCH", "stefan enachescu"):
        assert names(merchant_a, typed) == ["Ștefan Enăchescu"], typed
    assert names(merchant_a, "DÂN") == ["Dan Ene"]


def test_another_merchants_members_are_never_found(merchant_a, merchant_b, dan):
    enrol_member(merchant=merchant_b, phone="0744555666", first_name="Dan", last_name="Enescu")

    assert names(merchant_a, "dan") == ["Dan Ene"]
    assert names(merchant_b, "dan") == ["Dan Enescu"]


def test_an_anonymized_member_is_not_listed(merchant_a, dan):
    Member.objects.filter(pk=dan.pk).update(status="anonymized")

    assert names(merchant_a, "dan") == []


def test_at_most_one_more_than_the_limit_in_the_order_of_names(merchant_a):
    for n in range(NAME_RESULTS + 3):
        enrol_member(
            merchant=merchant_a, phone=f"07210001{n:02d}", first_name=f"Ana{n:02d}", last_name="Ene"
        )

    found = [m.first_name for m in find_members_by_name(merchant_a, "ene")]

    assert len(found) == NAME_RESULTS + 1
    assert found == sorted(found)
    # By the first name where the first name matched: the first ones, in order.
    assert [m.first_name for m in find_members_by_name(merchant_a, "ana")] == [
        f"Ana{n:02d}" for n in range(NAME_RESULTS + 1)
    ]


def test_numbers_emails_and_wildcards_are_not_names(merchant_a, dan):
    for typed in ("0721", "dan@example.com", "da", "%", "d%n", "da_n", "", "   "):
        assert not looks_like_name(typed), typed
        assert find_members_by_name(merchant_a, typed) == []
    assert looks_like_name("Anne-Marie O'Neil")


@pytest.mark.parametrize(
    ("columns", "index"),
    [
        (("first_name", "last_name"), "member_full_name_key"),
        (("last_name",), "member_last_name_key"),
    ],
)
def test_each_query_reads_its_index_of_migration_0013_in_order(merchant_a, dan, columns, index):
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
    matches = (
        Member.objects.for_merchant(merchant_a)
        .alias(key=NameKey(*columns))
        .filter(key__startswith="ene")
        .order_by("key")[:11]
    )

    plan = matches.explain()
    assert f"Index Scan using {index}" in plan, plan
    assert "Sort" not in plan, plan  # read in the index's order; the LIMIT stops it


def test_the_query_runs_on_sqlite_too(merchant_a):
    """`make run` uses SQLite: the same query compiles there (no TRANSLATE) and runs."""
    # The PostgreSQL OPTIONS (psycopg's prepare_threshold) are no sqlite3 arguments.
    sqlite = SQLiteWrapper(
        {**connection.settings_dict, "NAME": ":memory:", "ENGINE": "", "OPTIONS": {}}
    )
    sqlite.ensure_connection()
    with sqlite.schema_editor() as editor:
        editor.create_model(Member)
    found = Member.objects.for_merchant(merchant_a).alias(key=NameKey("first_name", "last_name"))
    query = found.filter(key__startswith="dan ene").query
    sql, params = query.get_compiler(connection=sqlite).as_sql()

    assert "TRANSLATE" not in sql
    try:
        with sqlite.cursor() as cursor:
            cursor.execute(sql, params)
            assert cursor.fetchall() == []
            cursor.execute("SELECT LOWER('Dan' || ' ' || 'Ene') LIKE 'dan en%' ESCAPE '\\'")
            assert cursor.fetchone() == (1,)
    except sqlite3.Error as error:  # pragma: no cover - the failure to report
        pytest.fail(f"SQLite refused the name search: {error}")
    finally:
        sqlite.close()


# --- At the till ---------------------------------------------------------------------------


def test_a_name_lists_the_members_with_a_masked_phone(cashier_client, merchant_a, dan):
    enrol_member(merchant=merchant_a, phone="0722000555", first_name="Ioana", last_name="Enescu")

    answer = cashier_client.post(FIND, {"q": "ene"}, **HX)

    html = answer.content.decode()
    assert answer.status_code == 200
    assert "2 members found" in html
    assert "Dan E." in html and "Ioana E." in html
    assert "••• ••• 123" in html
    assert "0721234123" not in html and "+40721234123" not in html
    assert f'name="member" value="{dan.pk}"' in html


def test_a_name_nobody_has_offers_to_enrol(cashier_client, dan):
    html = cashier_client.post(FIND, {"q": "Zoe"}, **HX).content.decode()

    assert "No member found" in html


def test_more_than_the_limit_asks_to_refine(cashier_client, merchant_a):
    for n in range(NAME_RESULTS + 1):
        enrol_member(
            merchant=merchant_a, phone=f"07210002{n:02d}", first_name="Ion", last_name="Ene"
        )

    html = cashier_client.post(FIND, {"q": "ion"}, **HX).content.decode()

    assert html.count('name="member"') == NAME_RESULTS
    assert "More than 10 members found" in html
    assert "refine your search" in html


def test_picking_a_listed_member_opens_the_panel_and_counts_as_a_find(
    cashier_client, cashier_a, shop_a, dan
):
    cashier_client.post(FIND, {"q": "dan"}, **HX)
    assert not Identification.objects.exists()  # listing is not finding

    answer = cashier_client.post(PICK, {"member": dan.pk}, **HX)

    assert answer.status_code == 200
    assert f'data-member="{dan.pk}"' in answer.content.decode()
    assert "Record sale" in answer.content.decode()
    row = Identification.objects.get()
    assert (row.member, row.user, row.shop) == (dan, cashier_a, shop_a)
    assert was_found(cashier_client, dan)


def test_only_a_member_the_last_name_search_listed_can_be_picked(
    cashier_client, merchant_a, merchant_b, dan, stefan
):
    other = enrol_member(merchant=merchant_b, phone="0744555666", first_name="Dan")
    assert cashier_client.post(PICK, {"member": stefan.pk}, **HX).status_code == 404
    cashier_client.post(FIND, {"q": "dan"}, **HX)

    assert cashier_client.post(PICK, {"member": stefan.pk}, **HX).status_code == 404
    assert cashier_client.post(PICK, {"member": other.pk}, **HX).status_code == 404
    assert cashier_client.post(PICK, {"member": "x"}, **HX).status_code == 404
    assert cashier_client.get(PICK, {"member": dan.pk}, **HX).status_code == 405
    assert not Identification.objects.exists()


def test_a_member_picked_by_name_too_often_is_flagged_like_any_find(cashier_client, cashier_a, dan):
    for _ in range(staff_flags.IDENTIFICATIONS_PER_DAY + 1):
        cashier_client.post(FIND, {"q": "Dan Ene"}, **HX)
        cashier_client.post(PICK, {"member": dan.pk}, **HX)

    flag = StaffFlag.objects.get()
    assert (flag.kind, flag.member, flag.user) == (FlagKind.FREQUENT_IDENTIFICATION, dan, cashier_a)


def test_a_name_search_answers_in_a_bounded_number_of_queries(cashier_client, merchant_a, dan):
    for n in range(5):
        enrol_member(
            merchant=merchant_a, phone=f"07210003{n:02d}", first_name="Dana", last_name="E"
        )
    cashier_client.post(FIND, {"q": "dan"}, **HX)  # warm the session and caches

    with CaptureQueriesContext(connection) as queries:
        answer = cashier_client.post(FIND, {"q": "dan"}, **HX)

    assert answer.status_code == 200
    assert answer.content.decode().count('name="member"') == 6
    # Session, user, staff; the names (two queries, by full name and by last name, whatever
    # their number); the session's write; the counter (3).
    assert len(queries) <= 10, [q["sql"] for q in queries]


def test_a_name_that_reads_as_a_voucher_code_lists_the_member(cashier_client, merchant_a):
    andreea = enrol_member(
        merchant=merchant_a, phone="0723000444", first_name="Andreea", last_name="Popa"
    )

    html = cashier_client.post(FIND, {"q": "Andreea P"}, **HX).content.decode()

    assert f'name="member" value="{andreea.pk}"' in html


def test_picking_answers_in_the_queries_of_any_find(cashier_client, dan):
    cashier_client.post(FIND, {"q": "dan"}, **HX)
    cashier_client.post(PICK, {"member": dan.pk}, **HX)  # warm the session and caches

    with CaptureQueriesContext(connection) as queries:
        answer = cashier_client.post(PICK, {"member": dan.pk}, **HX)

    assert answer.status_code == 200
    # As tests/loyalty/pos/test_find.py's budget: the member, then the same panel.
    assert len(queries) <= 19, [q["sql"] for q in queries]
