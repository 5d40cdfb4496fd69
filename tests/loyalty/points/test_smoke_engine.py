from decimal import Decimal

from django.core.management import call_command

from loyalty.points.ledger import adjust_points, redeem_points
from loyalty.points.purchases import claim_purchase, record_purchase
from loyalty.points.refunds import refund_purchase, reverse_purchase
from tests.personas import make_ana


def test_a_member_earns_refunds_and_reconciles(merchant_a, shop_a, owner_a):
    member = make_ana(merchant_a)
    result = record_purchase(shop=shop_a, member=member, external_id="R1", amount=Decimal("23.50"))
    assert result.points_earned == 23
    assert result.points_balance == 23
    again = record_purchase(shop=shop_a, member=member, external_id="R1", amount=Decimal("23.50"))
    assert again.created is False and again.points_earned == 23
    redeem_points(member=member, points=20)
    refund = refund_purchase(purchase=result.purchase, external_id="F1", amount=Decimal("23.50"))
    assert refund.points_clawed_back == 23
    member.refresh_from_db()
    assert member.points_balance == -20
    r2 = record_purchase(shop=shop_a, member=member, external_id="R2", amount=Decimal("600"))
    member.refresh_from_db()
    assert member.points_balance == 580
    assert r2.tier.name == "Silver"
    r3 = record_purchase(shop=shop_a, member=member, external_id="R3", amount=Decimal("10"))
    assert r3.explanation == "10 base + 2 Silver bonus"
    anon = record_purchase(shop=shop_a, member=None, external_id="R4", amount=Decimal("5"))
    assert anon.purchase.claim_code
    claimed = claim_purchase(member=member, code=anon.purchase.claim_code.lower())
    assert claimed.points_earned == 6
    reverse_purchase(purchase=r3.purchase, actor=owner_a, reason="wrong customer")
    adjust_points(member=member, points=-5, reason="test", actor=owner_a)
    call_command("reconcile_points")
