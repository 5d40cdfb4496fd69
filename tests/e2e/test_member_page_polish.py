"""On a phone (390 x 844) every link and button of the card page is a 44 px tap target, the tabs
have room between them, and the rewards catalogue shows each reward's picture."""

from itertools import pairwise

from playwright.sync_api import expect

from loyalty.points.ledger import get_program
from members.services.enrolment import enrol_member
from rewards.models import Reward
from rewards.services import redeem_reward
from tests.e2e.sessions import sign_in_browser
from tests.loyalty.points.helpers import ring

PHONE = {"width": 390, "height": 844}
TAP = 44


def _signed_in(new_page, live_server, member):
    page = new_page(viewport=PHONE)
    sign_in_browser(page.context, live_server, member.user)
    return page


def _small_targets(page, selector: str) -> list[str]:
    small = []
    for target in page.locator(selector).all():
        if not target.is_visible():
            continue
        box = target.bounding_box()
        if box["height"] < TAP or box["width"] < TAP:
            small.append(f"{target.inner_text()!r}: {box['width']:.0f}x{box['height']:.0f}")
    return small


def test_every_tap_target_of_the_card_page_is_44_px_on_a_phone(
    live_server, new_page, snapshot, merchant_a, shop_a
):
    member = enrol_member(merchant=merchant_a, email="dana@example.com", first_name="Dana")
    ring(shop_a, member, "700.00")
    coffee = Reward.objects.for_merchant(merchant_a).get(name="Free coffee")
    redeem_reward(member=member, reward=coffee, actor=None)
    redeem_reward(member=member, reward=coffee, actor=None)
    page = _signed_in(new_page, live_server, member)

    page.goto(f"{live_server.url}/m/aroma/")
    expect(page.get_by_role("link", name="2 vouchers to use")).to_be_visible()
    snapshot(page, "member-card-phone")
    targets = "main a, main button, main summary, .member-nav a, .member-top a, .member-top button"
    assert _small_targets(page, targets) == []

    # The tabs do not touch: there is room between one and the next.
    tabs = [tab.bounding_box() for tab in page.locator(".member-nav a").all()]
    assert len(tabs) == 5
    for left, right in pairwise(tabs):
        assert right["x"] - (left["x"] + left["width"]) >= 4
    assert tabs[-1]["x"] + tabs[-1]["width"] <= PHONE["width"]


def test_the_catalogue_shows_each_rewards_picture_or_its_kinds_drawing(
    live_server, new_page, snapshot, merchant_a, shop_a
):
    member = enrol_member(merchant=merchant_a, email="dana@example.com", first_name="Dana")
    ring(shop_a, member, "340.00")
    page = _signed_in(new_page, live_server, member)

    page.goto(f"{live_server.url}/m/aroma/rewards")
    coffee = page.get_by_role("article", name="Free coffee")
    picture = coffee.get_by_role("img", name="Free item")
    picture.scroll_into_view_if_needed()  # loading="lazy": it loads once near the screen
    expect(picture).to_be_visible()
    expect(picture).to_have_attribute("src", "/static/img/rewards/free_item.svg")
    page.wait_for_function(
        "(img) => img.complete && img.naturalWidth > 0", arg=picture.element_handle()
    )
    box = picture.bounding_box()
    assert box["width"] >= 90 and box["height"] >= 90
    snapshot(page, "member-rewards-pictures")
    assert _small_targets(page, "main a, main button") == []


def test_the_join_page_says_what_joining_gives_and_links_the_privacy_notice(
    live_server, new_page, snapshot, merchant_a
):
    merchant_a.privacy_notice_url = "https://aroma.example.com/privacy"
    merchant_a.save()
    program = get_program(merchant_a)
    program.welcome_bonus = 50
    program.save()
    page = new_page(viewport=PHONE)

    page.goto(f"{live_server.url}/m/aroma/join")

    expect(
        page.get_by_text("Join and get 50 points. Your first reward, Free coffee, at 300 points.")
    ).to_be_visible()
    notice = page.get_by_role("link", name="privacy notice")
    expect(notice).to_have_attribute("href", "https://aroma.example.com/privacy")
    snapshot(page, "member-join-gives")
    assert _small_targets(page, "main a, main button") == []
