"""The portal's streak pages: the list and its results, the form and its checks (the milestones'
list, one active streak, a paid milestone stays, the period fixed once counted), switching off
after a confirmation; another merchant's streak is a 404, a cashier may not edit."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from loyalty.models import AuditEvent
from rewards.models import MemberStreak, StreakPeriod, StreakProgram, StreakReward
from rewards.streak_programs import save_streak_program
from tests.rewards.engagement.streak_helpers import make_program, visit

pytestmark = pytest.mark.django_db

LIST = reverse("portal:streaks")
NEW = reverse("portal:streak_new")


def _edit(program) -> str:
    return reverse("portal:streak_edit", kwargs={"program_id": program.pk})


def _deactivate(program) -> str:
    return reverse("portal:streak_deactivate", kwargs={"program_id": program.pk})


def _form(**fields) -> dict:
    data = {
        "name": "Weekly regulars",
        "period": StreakPeriod.WEEK,
        "grace": "on",
        "milestones": "4:100, 8:250, 12:500",
        "active": "on",
    }
    return data | fields


def _milestones(program) -> dict[int, int]:
    return dict(program.milestones.values_list("length", "points"))


def test_the_empty_list_says_what_to_do(manager_client):
    page = manager_client.get(LIST).content.decode()

    assert "Reward your regulars: a visit every week keeps the streak" in page
    assert NEW in page
    assert 'aria-current="page">Streaks</a>' in page


def test_a_manager_creates_a_streak_with_its_milestones(manager_client, merchant_a):
    answer = manager_client.post(NEW, _form(milestones=" 12:500,4 : 100, 8=250, "))

    assert answer.status_code == 302 and answer["Location"] == LIST
    program = StreakProgram.objects.get(merchant=merchant_a)
    assert program.active and program.grace and program.period == "week"
    assert _milestones(program) == {4: 100, 8: 250, 12: 500}
    assert AuditEvent.objects.filter(
        merchant=merchant_a, action="rewards.streak_program.saved", target_id=str(program.pk)
    ).exists()
    listed = manager_client.get(LIST).content.decode()
    assert "Weekly regulars" in listed and "8 in a row: 250 points" in listed


def test_a_manager_edits_the_milestones(manager_client, merchant_a):
    program = save_streak_program(
        merchant=merchant_a, actor=None, milestones={4: 100, 8: 250}, name="Weekly regulars"
    )
    page = manager_client.get(_edit(program)).content.decode()
    assert 'value="4:100, 8:250"' in page

    answer = manager_client.post(_edit(program), _form(milestones="4:150, 6:200", grace=""))

    assert answer.status_code == 302
    program.refresh_from_db()
    assert _milestones(program) == {4: 150, 6: 200} and not program.grace


@pytest.mark.parametrize(
    ("milestones", "error"),
    [
        ("4-100", "“4-100” is not a milestone: write its length and points as 4:100."),
        ("1:100", "A milestone needs at least 2 in a row (“1:100”)."),
        ("4:0", "A milestone pays at least 1 point (“4:0”)."),
        ("4:100, 4:200", "4 in a row is there twice."),
        (" , ", "Name at least one milestone, for example 4:100."),
    ],
)
def test_wrong_milestones_are_explained_and_nothing_is_saved(manager_client, milestones, error):
    answer = manager_client.post(NEW, _form(milestones=milestones))

    page = answer.content.decode()
    assert answer.status_code == 200
    assert "Some fields need another look. Nothing was saved." in page
    assert error in page
    assert not StreakProgram.objects.exists()


def test_one_streak_is_active_at_a_time(manager_client, merchant_a):
    make_program(merchant_a, name="The first streak")

    answer = manager_client.post(NEW, _form(name="A second streak"))

    assert answer.status_code == 200
    assert (
        "“The first streak” is active: switch it off first, one streak runs at a time."
        in answer.content.decode()
    )
    assert StreakProgram.objects.count() == 1


def test_a_paid_milestone_stays_and_the_period_is_fixed_once_counted(
    manager_client, merchant_a, shop_a, member_a
):
    program = make_program(merchant_a, milestones=((2, 30), (5, 60)))
    today = timezone.localdate(timezone=merchant_a.tzinfo)
    visit(shop_a, member_a, today - timedelta(weeks=1))
    visit(shop_a, member_a, today)
    assert StreakReward.objects.count() == 1

    answer = manager_client.post(
        _edit(program), _form(name=program.name, milestones="5:60", period=StreakPeriod.DAY)
    )

    page = answer.content.decode()
    assert answer.status_code == 200
    assert "Already paid to members, so they stay (change their points instead): 2." in page
    assert "Members already have a streak on it: the period cannot change." in page
    assert _milestones(program) == {2: 30, 5: 60}


def test_the_list_counts_live_streaks_and_this_months_milestones(
    manager_client, merchant_a, shop_a, member_a
):
    make_program(merchant_a, milestones=((2, 30),))
    today = timezone.localdate(timezone=merchant_a.tzinfo)
    visit(shop_a, member_a, today - timedelta(weeks=1))
    visit(shop_a, member_a, today)

    (result,) = manager_client.get(LIST).context["results"]

    assert result.live == 1
    assert (result.paid_this_month, result.points_this_month) == (1, 30)
    MemberStreak.objects.update(last_period=today - timedelta(weeks=3))
    (lapsed,) = manager_client.get(LIST).context["results"]
    assert lapsed.live == 0


def test_deactivating_asks_first_then_switches_it_off(manager_client, merchant_a):
    program = make_program(merchant_a, name="Weekly regulars")

    page = manager_client.get(_deactivate(program)).content.decode()
    program.refresh_from_db()
    assert program.active
    assert "Switch off “Weekly regulars”?" in page

    answer = manager_client.post(_deactivate(program))
    program.refresh_from_db()
    assert answer.status_code == 302 and answer["Location"] == LIST
    assert not program.active
    assert AuditEvent.objects.filter(
        merchant=merchant_a,
        action="rewards.streak_program.deactivated",
        target_id=str(program.pk),
    ).exists()
    listed = manager_client.get(LIST).content.decode()
    assert "Switched off" in listed and "Add a streak" in listed


def test_another_merchants_streak_is_a_404(outsider_client, merchant_a):
    program = make_program(merchant_a, name="Weekly regulars")

    for url in (_edit(program), _deactivate(program)):
        assert outsider_client.get(url).status_code == 404
        assert outsider_client.post(url, _form()).status_code == 404
    program.refresh_from_db()
    assert program.active and program.name == "Weekly regulars"


def test_a_cashier_cannot_edit_or_switch_off(cashier_client, merchant_a):
    program = make_program(merchant_a)

    for url in (LIST, NEW, _edit(program), _deactivate(program)):
        assert cashier_client.get(url).status_code == 403
    assert cashier_client.post(_deactivate(program)).status_code == 403
    program.refresh_from_db()
    assert program.active
