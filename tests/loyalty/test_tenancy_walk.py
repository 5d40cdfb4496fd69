"""The outsider (merchant B's owner) tries every portal and POS URL with merchant A's ids.

The URLs come from walking the URL patterns, so a new page is covered the day it is added.
Outside the tenant is 404, never 403: the answer must not tell whether the object exists.
"""

import pytest

from loyalty.models import AuditEvent, Role
from members.models import Member
from tests.factories import StaffFactory
from tests.loyalty.pos.conftest import found_at_the_till
from tests.urlwalk import staff_routes

ROUTES = staff_routes()
ROUTES_WITH_IDS = [route for route in ROUTES if route.kwarg_names]
ROUTES_WITHOUT_IDS = [route for route in ROUTES if not route.kwarg_names]

# The portal and the POS had 17 URLs, 5 of them about one object, when this test was written.
# The walk may find more, never fewer: fewer means it stopped looking.
MIN_ROUTES = 17
MIN_ROUTES_WITH_IDS = 5


def test_the_walk_finds_every_portal_and_pos_url():
    names = {route.full_name for route in ROUTES}
    assert len(ROUTES) >= MIN_ROUTES, names
    assert len(ROUTES_WITH_IDS) >= MIN_ROUTES_WITH_IDS, names
    assert {"portal:dashboard", "portal:settings_shop_edit", "pos:home"} <= names


def test_the_walk_knows_every_url_argument(ids_of_a):
    for route in ROUTES_WITH_IDS:
        assert route.url(ids_of_a)


@pytest.mark.parametrize("route", ROUTES_WITH_IDS, ids=str)
def test_outsider_gets_404_for_objects_of_another_merchant(
    route, ids_of_a, outsider_client, owner_client, merchant_a, shop_a
):
    url = route.url(ids_of_a)
    audit_rows = AuditEvent.objects.for_merchant(merchant_a).count()

    # A URL that takes one method refuses the other to everyone alike, which tells nothing
    # about the object; the method it takes must answer 404.
    answers = {
        method: getattr(outsider_client, method)(url).status_code for method in ("post", "get")
    }
    refused = {method for method, status in answers.items() if status == 405}
    assert len(refused) < 2, url
    for method in refused:
        assert getattr(owner_client, method)(url).status_code == 405, url
    assert all(answers[method] == 404 for method in answers.keys() - refused), (url, answers)
    assert AuditEvent.objects.for_merchant(merchant_a).count() == audit_rows

    # The object is there: the 404 comes from the tenant boundary, not from a missing row.
    # (The POS opens a member only once found at the till in the session: the owner finds.)
    found_at_the_till(owner_client, shop_a, Member.objects.get(pk=ids_of_a["member_id"]))
    taken = "get" if "post" in refused else "post"
    assert getattr(owner_client, taken)(url).status_code != 404, url


@pytest.mark.parametrize("route", ROUTES_WITHOUT_IDS, ids=str)
def test_outsider_pages_show_nothing_of_another_merchant(route, outsider_client, merchant_a):
    answer = outsider_client.get(route.url(), follow=True)
    assert answer.status_code in (200, 405)
    if answer.get("Content-Type", "").startswith("text/csv"):
        # A download (the feedback comments' CSV): nothing of A in it, and no page to name B.
        rows = b"".join(answer.streaming_content) if answer.streaming else answer.content
        assert merchant_a.name.encode() not in rows
        assert rows.count(b"\n") == 1, rows  # the header only
        return
    assert merchant_a.name.encode() not in answer.content
    assert b"Bakery Bee" in answer.content or answer.status_code == 405


def test_outsider_cannot_switch_into_another_merchant(outsider_client, merchant_a):
    answer = outsider_client.post("/portal/switch/", {"merchant": merchant_a.pk})

    assert answer.status_code == 404
    dashboard = outsider_client.get("/portal/")
    assert b"Bakery Bee" in dashboard.content
    assert merchant_a.name.encode() not in dashboard.content


def test_outsider_cannot_work_at_a_shop_of_another_merchant(outsider_client, shop_a):
    answer = outsider_client.post("/pos/shop/", {"shop": shop_a.pk})

    assert answer.status_code == 404
    assert b"Old Town" not in outsider_client.get("/pos/").content


@pytest.mark.parametrize("value", ["", "abc", "1.5", "99999999999999999999999"])
def test_switch_with_a_malformed_merchant_id_is_404(outsider_client, value):
    assert outsider_client.post("/portal/switch/", {"merchant": value}).status_code == 404


@pytest.mark.parametrize("value", ["", "abc", "1.5", "99999999999999999999999"])
def test_choosing_a_malformed_shop_id_is_404(outsider_client, value):
    assert outsider_client.post("/pos/shop/", {"shop": value}).status_code == 404


def test_staff_of_two_merchants_switches_between_them(outsider_client, owner_b, merchant_a):
    StaffFactory(merchant=merchant_a, user=owner_b, role=Role.MANAGER)

    answer = outsider_client.post("/portal/switch/", {"merchant": merchant_a.pk})

    assert answer.status_code == 302
    assert merchant_a.name.encode() in outsider_client.get("/portal/").content
