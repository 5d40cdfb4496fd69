from campaigns.segments.rules import matching
from members.models import MemberStatus
from members.services.enrolment import enrol_member

URL = "/portal/campaigns/"


def test_managers_find_campaigns_in_the_menu(manager_client):
    html = manager_client.get(URL).content.decode()

    assert '<a href="/portal/campaigns/" aria-current="page">Campaigns</a>' in html


def test_a_cashier_cannot_open_campaigns(cashier_client):
    assert cashier_client.get(URL).status_code == 403


def test_an_empty_rule_tree_is_every_active_member_of_the_merchant(merchant_a, merchant_b):
    ana = enrol_member(merchant=merchant_a, email="ana@example.com")
    gone = enrol_member(merchant=merchant_a, email="gone@example.com")
    gone.status = MemberStatus.BLOCKED
    gone.save(update_fields=["status"])
    enrol_member(merchant=merchant_b, email="other@example.com")

    assert list(matching(merchant_a, {})) == [ana]
