"""The member's page: figures, ledger, purchases, consents, referrals and audit trail."""

import pytest

from loyalty.points.ledger import adjust_points, get_program
from loyalty.points.program import update_program
from members.services.consents import set_consent
from members.services.enrolment import enrol_member
from members.services.profile import update_profile
from tests.members.portal.conftest import buy, member_url


def test_the_figures_of_a_member(owner_client, owner_a, shop_a, ana):
    buy(ana, shop_a, "25.00", days_ago=2)
    buy(ana, shop_a, "15.00", days_ago=1)
    adjust_points(member=ana, points=100, reason="Goodwill", actor=owner_a)

    html = owner_client.get(member_url(ana)).content.decode()

    assert "140 points · €1.40" in html  # balance and what it is worth
    assert "€40.00" in html  # lifetime spend
    assert '<dd class="stat-value">2</dd>' in html  # visits
    assert "€20.00" in html  # average basket
    assert "Last visit" in html
    assert "Bronze" in html and "€460.00 more to Silver" in html
    assert '<progress max="100" value="8"' in html


def test_a_member_who_never_bought_has_no_average_basket(owner_client, ana):
    html = owner_client.get(member_url(ana)).content.decode()
    assert "Last visit: never" in html
    assert '<dt>Average basket</dt>\n      <dd class="stat-value">—</dd>' in html


def test_pending_points_say_when_they_become_available(
    owner_client, merchant_a, owner_a, shop_a, ana
):
    update_program(program=get_program(merchant_a), actor=owner_a, changes={"pending_days": 14})
    buy(ana, shop_a, "30.00")

    html = owner_client.get(member_url(ana)).content.decode()

    assert "+ 30 pending points · next on" in html


def test_the_ledger_shows_the_last_50_entries_and_links_to_the_rest(
    owner_client, owner_a, shop_a, ana
):
    for n in range(51):
        adjust_points(member=ana, points=1, reason=f"Stamp {n}", actor=owner_a)
    buy(ana, shop_a, "12.00", external_id="TILL-77")

    html = owner_client.get(member_url(ana)).content.decode()
    ledger = html.split('id="ledger-title"')[1].split('id="purchases-title"')[0]

    assert "TILL-77" in ledger and "Stamp 50" in ledger
    assert "Stamp 1<" not in ledger and "Stamp 0<" not in ledger
    assert f'href="{member_url(ana, "ledger/")}"' in html
    whole = owner_client.get(member_url(ana, "ledger/"), {"page": 2}).content.decode()
    assert "Stamp 0" in whole and "Page 2 of 2" in whole


def test_purchases_link_to_their_receipt(owner_client, shop_a, ana):
    sale = buy(ana, shop_a, "9.90", external_id="TILL-9").purchase

    html = owner_client.get(member_url(ana)).content.decode()

    assert f'href="/portal/purchases/{sale.pk}/"' in html and "€9.90" in html


def test_consent_history_with_wording_source_and_who(owner_client, owner_a, ana):
    set_consent(member=ana, channel="email", granted=True, source="pos", wording="Offers by email")
    set_consent(member=ana, channel="email", granted=False, source="portal", actor=owner_a)

    html = owner_client.get(member_url(ana)).content.decode()
    history = html.split('id="consents-title"')[1].split("</section>")[0]

    assert history.index("withdrawn") < history.index("agreed")  # newest first
    assert "<q>Offers by email</q>" in history
    assert "owner.a@example.com" in history and "portal" in history


def test_referrals_list_the_friends_who_joined_with_the_code(owner_client, merchant_a, ana):
    friend = enrol_member(
        merchant=merchant_a,
        email="friend@example.com",
        first_name="Fran",
        referral_code=ana.referral_code,
    )

    html = owner_client.get(member_url(ana)).content.decode()
    friend_page = owner_client.get(member_url(friend)).content.decode()

    assert f'href="{member_url(friend)}">Fran<' in html
    assert f'href="{member_url(ana)}">Ana Pop<' in friend_page  # referred by


def test_the_audit_trail_shows_what_staff_did(owner_client, owner_a, ana):
    update_profile(member=ana, actor=owner_a, first_name="Anna")
    adjust_points(member=ana, points=5, reason="Broken cup", actor=owner_a)

    html = owner_client.get(member_url(ana)).content.decode()
    trail = html.split('id="audit-title"')[1]

    assert "members.member.updated" in trail
    assert "loyalty.points.adjusted" in trail and "Broken cup" in trail


def test_the_page_links_to_edit_block_anonymize_and_adjust_points(owner_client, ana):
    html = owner_client.get(member_url(ana)).content.decode()

    assert f'href="{member_url(ana, "edit/")}"' in html
    assert f'href="{member_url(ana, "block/")}"' in html
    assert f'href="{member_url(ana, "anonymize/")}"' in html
    assert f'href="/portal/points/adjust/?card={ana.card_number}"' in html


def test_the_detail_page_costs_a_bounded_number_of_queries(
    owner_client, owner_a, shop_a, ana, django_assert_max_num_queries
):
    for n in range(5):
        buy(ana, shop_a, "10.00")
        adjust_points(member=ana, points=1, reason=f"r{n}", actor=owner_a)
    owner_client.get(member_url(ana))
    with django_assert_max_num_queries(20):
        owner_client.get(member_url(ana))


@pytest.mark.parametrize("suffix", ["", "ledger/", "edit/", "block/", "anonymize/"])
def test_outsider_gets_404_on_a_member_of_another_merchant(outsider_client, ana, suffix):
    assert outsider_client.get(member_url(ana, suffix)).status_code == 404
    assert outsider_client.post(member_url(ana, suffix), {"status": "blocked"}).status_code == 404
    ana.refresh_from_db()
    assert ana.status == "active" and ana.first_name == "Ana"


@pytest.mark.parametrize("suffix", ["", "ledger/", "edit/", "block/", "anonymize/"])
def test_cashier_gets_403_on_member_pages(cashier_client, ana, suffix):
    assert cashier_client.get(member_url(ana, suffix)).status_code == 403
    assert cashier_client.post(member_url(ana, suffix), {"status": "blocked"}).status_code == 403
    ana.refresh_from_db()
    assert ana.status == "active" and ana.first_name == "Ana"


def test_an_unknown_member_id_is_404(owner_client):
    assert owner_client.get("/portal/members/999999/").status_code == 404
