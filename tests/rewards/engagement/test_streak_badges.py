"""A streak milestone can award a badge: once per member, chosen in the portal's streak form."""

import pytest
from django.urls import reverse

from rewards.models import Badge, BadgeSource, MemberBadge, StreakMilestone, StreakProgram
from rewards.streak_programs import save_streak_program
from tests.loyalty.points.helpers import events_of
from tests.rewards.engagement.streak_helpers import make_program, visit, week

pytestmark = pytest.mark.django_db


def test_the_milestone_awards_its_badge_once(shop_a, member_a):
    merchant = shop_a.merchant
    badge = Badge.objects.create(merchant=merchant, name="Four Weeks Faithful")
    program = make_program(merchant)
    StreakMilestone.objects.filter(program=program, length=4).update(badge=badge)

    for n in range(3):
        visit(shop_a, member_a, week(n))
    assert not MemberBadge.objects.exists()
    visit(shop_a, member_a, week(3))

    held = MemberBadge.objects.get(member=member_a)
    assert (held.badge, held.source) == (badge, BadgeSource.STREAK)
    assert len(events_of(merchant, "badge.awarded")) == 1
    # A second run reaching 4 weeks pays the points again but the badge stays one.
    for n in range(6, 10):
        visit(shop_a, member_a, week(n))
    assert MemberBadge.objects.filter(member=member_a).count() == 1


def test_save_streak_program_puts_the_badge_on_the_chosen_milestone(merchant_a):
    badge = Badge.objects.create(merchant=merchant_a, name="Eight Weeks Faithful")
    program = save_streak_program(
        merchant=merchant_a,
        actor=None,
        milestones={4: 100, 8: 250},
        name="Weekly",
        badge=badge,
        badge_at=8,
    )
    assert dict(program.milestones.values_list("length", "badge")) == {4: None, 8: badge.pk}

    save_streak_program(
        merchant=merchant_a, actor=None, program=program, milestones={4: 100, 8: 250, 12: 500}
    )
    assert not program.milestones.filter(badge__isnull=False).exists()  # no badge: cleared


def test_another_merchants_badge_is_refused(merchant_a, merchant_b):
    theirs = Badge.objects.create(merchant=merchant_b, name="Bee Badge")
    with pytest.raises(ValueError):
        save_streak_program(
            merchant=merchant_a, actor=None, milestones={4: 100}, name="Weekly", badge=theirs
        )


def test_the_portal_form_sets_the_badge_and_checks_the_milestone(manager_client, merchant_a):
    badge = Badge.objects.create(merchant=merchant_a, name="Twelve Weeks Faithful")
    form = {
        "name": "Weekly regulars",
        "period": "week",
        "milestones": "4:100, 8:250, 12:500",
        "active": "on",
        "badge": badge.pk,
        "badge_at": "5",
    }

    wrong = manager_client.post(reverse("portal:streak_new"), form)
    assert wrong.status_code == 200
    assert "5 in a row is not one of the milestones." in wrong.content.decode()
    assert not StreakProgram.objects.exists()

    right = manager_client.post(reverse("portal:streak_new"), form | {"badge_at": ""})
    assert right.status_code == 302
    program = StreakProgram.objects.get(merchant=merchant_a)
    assert program.milestones.get(badge=badge).length == 12  # empty: the longest
    edit = manager_client.get(
        reverse("portal:streak_edit", kwargs={"program_id": program.pk})
    ).content.decode()
    assert f'<option value="{badge.pk}" selected>' in edit
