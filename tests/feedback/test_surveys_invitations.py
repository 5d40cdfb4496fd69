"""Who is invited after a purchase: the merchant's hours, the sample, the cooldown, the opt-out,
and one invitation per member per 30 days even when two purchases are drained at once."""

import threading
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from feedback.models import Invitation, InvitationStatus, SurveyOptOut
from feedback.surveys.invitations import invite_for_purchase, sampled
from tests.factories import MemberFactory
from tests.feedback.surveys_kit import drain, sale, survey_fixture, words_analyser  # noqa: F401
from tests.personas import make_bob


def test_a_purchase_invites_its_member_after_the_merchants_hours(shop_a, ana, survey):
    survey.invite_after_hours = 5
    survey.save()
    purchase = sale(shop_a, ana, "R-1")

    drain()

    invitation = Invitation.objects.get()
    assert invitation.member == ana and invitation.purchase == purchase
    assert invitation.survey == survey and invitation.shop == shop_a
    assert invitation.status == InvitationStatus.SCHEDULED
    assert invitation.send_at == purchase.occurred_at + timedelta(hours=5)
    assert invitation.expires_at == invitation.send_at + timedelta(days=7)


def test_the_same_purchase_handed_twice_is_one_invitation(shop_a, ana, survey):
    purchase = sale(shop_a, ana, "R-1")

    first = invite_for_purchase(purchase_id=purchase.pk)
    second = invite_for_purchase(purchase_id=purchase.pk)

    assert first == second and Invitation.objects.count() == 1


def test_without_an_active_survey_nobody_is_invited(merchant_a, shop_a, ana, survey):
    survey.active = False
    survey.save()
    sale(shop_a, ana, "R-1")
    sale(shop_a, None, "R-2")  # and a sale without a member never is

    drain()

    assert not Invitation.objects.exists()


def test_an_anonymous_sale_invites_nobody(shop_a, survey):
    sale(shop_a, None, "R-1")

    drain()

    assert not Invitation.objects.exists()


def test_the_sample_is_decided_by_the_purchase_the_same_every_time():
    picked = [n for n in range(1, 2001) if sampled(n, 25)]

    assert 400 <= len(picked) <= 600  # a quarter, give or take
    assert picked == [n for n in range(1, 2001) if sampled(n, 25)]
    assert not any(sampled(n, 0) for n in range(1, 200))
    assert all(sampled(n, 100) for n in range(1, 200))


def test_a_sale_outside_the_sample_is_not_invited(shop_a, ana, survey):
    survey.sampling_percent = 1
    survey.save()
    purchases = [sale(shop_a, MemberFactory(merchant=shop_a.merchant), f"R-{n}") for n in range(40)]

    drain()

    invited = set(Invitation.objects.values_list("purchase_id", flat=True))
    assert invited == {p.pk for p in purchases if sampled(p.pk, 1)}
    assert len(invited) < 40


def test_a_member_is_invited_once_per_cooldown(shop_a, ana, survey):
    sale(shop_a, ana, "R-1")
    drain()
    sale(shop_a, ana, "R-2")
    drain()

    assert Invitation.objects.filter(member=ana).count() == 1

    with time_machine.travel(timezone.now() + timedelta(days=31)):
        later = sale(shop_a, ana, "R-3")
        drain()

    assert Invitation.objects.filter(member=ana).count() == 2
    assert Invitation.objects.filter(purchase=later).exists()


def test_a_shorter_cooldown_is_the_merchants_choice(shop_a, ana, survey):
    survey.cooldown_days = 2
    survey.save()
    sale(shop_a, ana, "R-1")
    drain()

    with time_machine.travel(timezone.now() + timedelta(days=3)):
        sale(shop_a, ana, "R-2")
        drain()

    assert Invitation.objects.filter(member=ana).count() == 2


def test_a_member_who_stopped_survey_requests_is_not_invited(merchant_a, shop_a, ana, survey):
    SurveyOptOut.objects.create(merchant=merchant_a, member=ana)
    sale(shop_a, ana, "R-1")

    drain()

    assert not Invitation.objects.exists()


def test_a_sale_recorded_after_its_link_would_have_closed_is_not_invited(shop_a, ana, survey):
    sale(shop_a, ana, "OLD-1", at=timezone.now() - timedelta(days=10))

    drain()

    assert not Invitation.objects.exists()


def test_another_merchants_survey_never_invites_our_members(merchant_b, shop_a, ana, survey):
    survey.active = False
    survey.save()
    survey.pk = None
    survey.merchant = merchant_b
    survey.active = True
    survey.save()
    sale(shop_a, ana, "R-1")

    drain()

    assert not Invitation.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_purchases_drained_at_once_make_one_invitation(merchant_a, shop_a, survey):
    member = make_bob(merchant_a)
    purchases = [sale(shop_a, member, f"C-{n}") for n in range(2)]
    barrier = threading.Barrier(2)
    results: list[object] = [None, None]

    def worker(index: int) -> None:
        try:
            connection.ensure_connection()
            barrier.wait(timeout=30)
            results[index] = invite_for_purchase(purchase_id=purchases[index].pk)
        except Exception as exc:  # handed back to the test
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert not any(isinstance(r, Exception) for r in results), results
    assert sum(isinstance(r, Invitation) for r in results) == 1, results
    assert Invitation.objects.filter(member=member).count() == 1
