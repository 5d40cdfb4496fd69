"""The segment pages of the portal: list with live counts, the builder (plain form and HTMX),
the count endpoint, delete with a confirmation, member tags; roles and the merchant's walls."""

from html.parser import HTMLParser

import pytest
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext

from campaigns.models import MemberTag, Segment
from loyalty.models import AuditEvent
from tests.factories import MemberFactory

LIST = "/portal/campaigns/segments/"
NEW = "/portal/campaigns/segments/new/"
COUNT = "/portal/campaigns/segments/count/"
HX = {"HTTP_HX_REQUEST": "true"}


def form(rules=(), match="all", **extra):
    """The builder's posted fields for a flat list of rules (field, op, value)."""
    data = {"name": "", "description": "", "r-kind": "group", "r-match": match}
    for index, (field, op, value) in enumerate(rules):
        path = f"r-{index}"
        data |= {f"{path}-kind": "rule", f"{path}-field": field, f"{path}-was": field}
        data |= {f"{path}-op": op, f"{path}-value": value}
    return data | extra


@pytest.fixture
def members(merchant_a):
    rich = MemberFactory(merchant=merchant_a, first_name="Wilhelmina", lifetime_spend=500)
    MemberFactory(merchant=merchant_a, first_name="Bartholomew", lifetime_spend=20)
    MemberFactory(merchant=merchant_a, first_name="Cornelius", lifetime_spend=80, purchase_count=4)
    return rich


def test_a_manager_builds_and_saves_a_segment_without_javascript(
    manager_client, merchant_a, members
):
    answer = manager_client.post(
        NEW, form([("lifetime_spend", "gte", "100")], name="Big spenders", action="save")
    )

    assert answer.status_code == 302
    segment = Segment.objects.get(merchant=merchant_a)
    assert segment.name == "Big spenders"
    assert segment.rules == {
        "match": "all",
        "rules": [{"field": "lifetime_spend", "op": "gte", "value": "100"}],
    }
    audit = AuditEvent.objects.get(merchant=merchant_a, action="campaigns.segment.created")
    assert audit.target_id == str(segment.pk)
    listing = manager_client.get(LIST).content.decode()
    assert "Big spenders" in listing
    members_url = f"{LIST}{segment.pk}/members/"
    assert f'hx-get="{members_url}"' in listing  # each count comes on its own
    cell = manager_client.get(members_url, headers={"HX-Request": "true"}).content.decode()
    assert cell == '<td class="num segment-members">1</td>'
    # Without HTMX the count's address leads to the segment's page, which counts too.
    assert manager_client.get(members_url).url == f"{LIST}{segment.pk}/"


def test_the_list_counts_no_segment_itself(
    manager_client, merchant_a, django_assert_max_num_queries
):
    for n in range(5):
        Segment.objects.create(
            merchant=merchant_a,
            name=f"Spend over {n}",
            rules={
                "match": "all",
                "rules": [{"field": "lifetime_spend", "op": "gte", "value": str(n)}],
            },
        )
    with django_assert_max_num_queries(12):
        listing = manager_client.get(LIST).content.decode()
    assert listing.count("segment-members") == 5


def test_another_merchants_segment_count_is_404(manager_client, merchant_b):
    theirs = Segment.objects.create(
        merchant=merchant_b, name="Theirs", rules={"match": "all", "rules": []}
    )
    answer = manager_client.get(f"{LIST}{theirs.pk}/members/", headers={"HX-Request": "true"})
    assert answer.status_code == 404


def test_the_plain_form_adds_and_removes_rules_and_groups(manager_client, members):
    data = form([("lifetime_spend", "gte", "100")], name="Draft", action="add-group:r")
    page = manager_client.post(NEW, data).content.decode()

    assert 'name="r-1-kind" value="group"' in page
    assert 'name="r-1-0-field"' in page  # a new group comes with its first rule
    data = form([("lifetime_spend", "gte", "100"), ("purchase_count", "gte", "3")])
    page = manager_client.post(NEW, data | {"action": "remove:r-0"}).content.decode()
    assert 'name="r-0-field"' in page and 'name="r-1-field"' not in page
    assert '<option value="purchase_count" selected>' in page
    assert 'data-count="1"' in page  # Cornelius, 4 purchases; the count is on the page


def test_htmx_redraws_the_builder_and_the_count_comes_from_the_count_endpoint(
    manager_client, members
):
    data = form([("lifetime_spend", "gte", "50")], match="any", action="add-rule:r")
    builder = manager_client.post(NEW, data, **HX).content.decode()

    assert builder.lstrip().startswith('<div id="builder"')
    assert 'name="r-1-field"' in builder
    assert 'hx-post="/portal/campaigns/segments/count/" hx-trigger="load"' in builder
    count = manager_client.post(COUNT, form([("lifetime_spend", "gte", "50")])).content.decode()
    assert 'data-count="2"' in count
    assert "Wilhelmina" in count and "Cornelius" in count and "Bartholomew" not in count
    assert f'href="/portal/members/{members.pk}/"' in count


def test_picking_another_field_gives_its_operators_and_drops_the_value(manager_client, members):
    data = form([("lifetime_spend", "gte", "50")])
    data |= {"r-0-field": "rfm_segment"}  # was lifetime_spend
    builder = manager_client.post(NEW, data, **HX).content.decode()

    assert '<option value="is" selected>is</option>' in builder
    assert '<option value="champions">Champions</option>' in builder
    assert "Choose a value." in builder


def test_a_bad_value_is_a_message_next_to_the_rule_not_an_error_page(manager_client, members):
    data = form(
        [("lifetime_spend", "gte", "lots"), ("joined", "before", "yesterday")],
        name="Broken",
        action="save",
    )
    answer = manager_client.post(NEW, data)

    assert answer.status_code == 400
    page = answer.content.decode()
    assert "“lots” is not a number." in page
    assert "“yesterday” is not a date (YYYY-MM-DD)." in page
    assert "Some rules need fixing" in page
    assert not Segment.objects.exists()
    count = manager_client.post(COUNT, data).content.decode()
    assert 'data-count=""' in count and "Complete or fix the rules" in count


def test_the_count_endpoint_runs_a_fixed_number_of_queries(
    manager_client, merchant_a, django_assert_num_queries
):
    rules = [
        ("lifetime_spend", "gte", "10"),
        ("tag", "is", "vip"),
        ("p_alive", "gt", "20"),
        ("days_since_last_purchase", "lte", "90"),
        ("rfm_segment", "in", "champions"),
    ]
    data = form(rules, match="any")
    manager_client.post(COUNT, data)  # the first request of a session reads more
    with CaptureQueriesContext(connection) as few:
        manager_client.post(COUNT, data)
    for i in range(30):
        member = MemberFactory(merchant=merchant_a, lifetime_spend=50 + i)
        MemberTag.objects.create(merchant=merchant_a, member=member, tag="vip")

    # the session and the staff member, then the count and the preview, whatever the members
    with django_assert_num_queries(len(few.captured_queries)):
        page = manager_client.post(COUNT, data).content.decode()
    assert 'data-count="30"' in page
    # the session, the user, the staff member, the count and the preview
    assert len(few.captured_queries) == 5


def test_editing_keeps_the_name_unique_and_logs(manager_client, merchant_a, members):
    first = Segment.objects.create(merchant=merchant_a, name="Regulars", rules={})
    second = Segment.objects.create(merchant=merchant_a, name="Others", rules={})
    url = f"/portal/campaigns/segments/{second.pk}/"

    assert "Others" in manager_client.get(url).content.decode()
    refused = manager_client.post(url, form([], name="regulars", action="save"))
    assert refused.status_code == 400
    assert "Another segment is already called “regulars”." in refused.content.decode()
    manager_client.post(url, form([("purchase_count", "gt", "1")], name="Frequent", action="save"))
    second.refresh_from_db()
    assert second.name == "Frequent" and second.rules["rules"][0]["field"] == "purchase_count"
    assert AuditEvent.objects.filter(action="campaigns.segment.changed").count() == 1
    first.refresh_from_db()
    assert first.name == "Regulars"


def test_deleting_asks_first_and_logs(manager_client, merchant_a):
    segment = Segment.objects.create(merchant=merchant_a, name="Lapsed regulars", rules={})
    url = f"/portal/campaigns/segments/{segment.pk}/delete/"

    page = manager_client.get(url).content.decode()
    assert "Delete the segment “Lapsed regulars”?" in page
    assert Segment.objects.filter(pk=segment.pk).exists()
    assert manager_client.post(url).status_code == 302
    assert not Segment.objects.filter(pk=segment.pk).exists()
    audit = AuditEvent.objects.get(action="campaigns.segment.deleted")
    assert audit.data["name"] == "Lapsed regulars"


def test_a_saved_segment_whose_rules_broke_says_so_in_the_list(manager_client, merchant_a):
    Segment.objects.create(
        merchant=merchant_a,
        name="Gone tier",
        rules={"match": "all", "rules": [{"field": "tier", "op": "is", "value": "999999"}]},
    )

    segment = Segment.objects.get(merchant=merchant_a, name="Gone tier")
    cell = manager_client.get(f"{LIST}{segment.pk}/members/", headers={"HX-Request": "true"})
    assert "Rules need fixing" in cell.content.decode()


def test_the_hub_and_tabs_lead_to_segments(manager_client):
    hub = manager_client.get("/portal/campaigns/").content.decode()

    assert f'<a href="{LIST}"' in hub
    assert (
        f'<a href="{LIST}" aria-current="page">Segments</a>'
        in manager_client.get(LIST).content.decode()
    )


@pytest.mark.parametrize("url", [LIST, NEW])
def test_a_cashier_cannot_open_segments(cashier_client, url):
    assert cashier_client.get(url).status_code == 403


def test_a_cashier_cannot_count(cashier_client):
    assert cashier_client.post(COUNT, form()).status_code == 403


def test_another_merchants_segment_is_a_404(outsider_client, merchant_a):
    segment = Segment.objects.create(merchant=merchant_a, name="Not yours", rules={})

    for url in [f"/portal/campaigns/segments/{segment.pk}/", f"{LIST}{segment.pk}/delete/"]:
        assert outsider_client.get(url).status_code == 404
        assert outsider_client.post(url, form(name="Mine now", action="save")).status_code == 404
    assert Segment.objects.get(pk=segment.pk).name == "Not yours"


def test_the_count_never_includes_another_merchants_members(outsider_client, members):
    page = outsider_client.post(COUNT, form([("lifetime_spend", "gte", "0")])).content.decode()

    assert 'data-count="0"' in page
    assert "Wilhelmina" not in page


def test_staff_tag_a_member_on_the_member_page(manager_client, merchant_a, members):
    url = f"/portal/members/{members.pk}/"

    answer = manager_client.post(f"{url}tags/", {"tag": " Wholesale "})
    assert answer.status_code == 302
    assert list(members.tags.values_list("tag", flat=True)) == ["wholesale"]
    page = manager_client.get(url).content.decode()
    assert "wholesale" in page
    bad = manager_client.post(f"{url}tags/", {"tag": "   "}, follow=True).content.decode()
    assert "Enter a tag." in bad
    manager_client.post(f"{url}tags/remove/", {"tag": "wholesale"})
    assert not members.tags.exists()
    actions = AuditEvent.objects.filter(action__startswith="campaigns.member_tag")
    assert sorted(actions.values_list("action", flat=True)) == [
        "campaigns.member_tag.added",
        "campaigns.member_tag.removed",
    ]


def test_another_merchants_member_cannot_be_tagged(outsider_client, members):
    answer = outsider_client.post(f"/portal/members/{members.pk}/tags/", {"tag": "stolen"})

    assert answer.status_code == 404
    assert not MemberTag.objects.exists()


class FormValues(HTMLParser):
    """The values a browser would post from a page's form (inputs, selected options)."""

    def __init__(self):
        super().__init__()
        self.values: list[tuple[str, str]] = []
        self.select: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "input" and attrs.get("name") and attrs.get("type") != "submit":
            self.values.append((attrs["name"], attrs.get("value") or ""))
        elif tag == "select":
            self.select = attrs.get("name")
        elif tag == "option" and self.select and "selected" in attrs:
            self.values.append((self.select, attrs.get("value") or ""))

    def handle_endtag(self, tag):
        if tag == "select":
            self.select = None


def test_a_saved_tree_drawn_in_the_builder_posts_back_the_same_tree(
    manager_client, merchant_a, shop_a
):
    tree = {
        "match": "any",
        "rules": [
            {"field": "lifetime_spend", "op": "between", "value": ["10", "99.5"]},
            {
                "match": "all",
                "rules": [
                    {"field": "shop", "op": "in", "value": [str(shop_a.pk)]},
                    {"field": "tag", "op": "in", "value": ["vip", "staff"]},
                    {"field": "joined", "op": "before", "value": "2029-12-31"},
                    {"match": "any", "rules": [{"field": "consent", "op": "is", "value": "sms"}]},
                ],
            },
            {"field": "days_since_last_purchase", "op": "gt", "value": 30},
        ],
    }
    segment = Segment.objects.create(merchant=merchant_a, name="Round trip", rules=tree)
    url = f"/portal/campaigns/segments/{segment.pk}/"
    parser = FormValues()
    parser.feed(manager_client.get(url).content.decode())
    data = QueryDict(mutable=True)
    for name, value in parser.values:
        data.appendlist(name, value)
    data["action"] = "save"

    assert manager_client.post(url, data).status_code == 302
    segment.refresh_from_db()
    assert segment.rules == tree
