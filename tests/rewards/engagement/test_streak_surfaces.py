"""What the till and the member page say of a member's streak, through the templates the POS
and the card page include (`pos/_streak.html`, `member/rewards/_streak.html`)."""

from datetime import timedelta

import pytest
from django.template.loader import render_to_string
from django.test import Client
from django.utils import timezone

from rewards.engagement.queries import member_streak
from tests.rewards.engagement.streak_helpers import make_program, visit

pytestmark = pytest.mark.django_db


def _today(merchant):
    return timezone.localdate(timezone=merchant.tzinfo)


def test_the_till_shows_the_streak_and_the_next_milestone(shop_a, member_a):
    make_program(shop_a.merchant)
    today = _today(shop_a.merchant)
    for weeks in (4, 3, 2, 1, 0):
        visit(shop_a, member_a, today - timedelta(weeks=weeks), hour=0, minute=5)

    html = render_to_string("pos/_streak.html", {"streak": member_streak(member_a)})

    assert 'role="note"' in html
    assert "5 weeks in a row" in html
    assert "3 more weeks to 8 weeks: 250 points" in html
    assert "no visit yet this week: this sale keeps it" not in html


def test_the_till_warns_when_this_week_has_no_visit_yet(shop_a, member_a):
    make_program(shop_a.merchant)
    visit(shop_a, member_a, _today(shop_a.merchant) - timedelta(weeks=1), hour=0, minute=5)

    html = render_to_string("pos/_streak.html", {"streak": member_streak(member_a)})

    assert "1 week in a row" in html
    assert "no visit yet this week: this sale keeps it" in html
    assert "3 more weeks to 4 weeks: 100 points" in html


def test_the_till_says_nothing_without_a_streak_program(member_a):
    assert member_streak(member_a) is None
    assert render_to_string("pos/_streak.html", {"streak": None}).strip() == ""


def test_the_card_page_shows_the_streak(shop_a, ana):
    make_program(shop_a.merchant, name="Weekly regulars of Aroma")
    visit(shop_a, ana, _today(shop_a.merchant), hour=0, minute=5)
    client = Client()
    client.force_login(ana.user)

    page = client.get("/m/aroma/").content.decode()

    assert "Weekly regulars of Aroma" in page
    assert "1 week in a row" in page
    assert "next: 4 weeks pays 100 points" in page
