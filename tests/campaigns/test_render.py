"""The renderer: a template filled for one member, on each channel, in the right language."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import signing
from django.utils import timezone

from campaigns.messaging.render import MissingVoucher, render, sms_segments
from campaigns.messaging.tracking import CLICK_SALT
from campaigns.models import (
    CategoryAffinity,
    Channel,
    Message,
    Promotion,
    PromotionScope,
    Purpose,
)
from campaigns.promotions.services import save_promotion
from loyalty.models import Tier
from tests.campaigns.templates_helpers import make_template
from tests.factories import MemberFactory, VoucherFactory

BODY = (
    "Hello {{ first_name }},\n"
    "you have {{ points }}, worth {{ points_value }}. Tier: {{ tier }}.\n\n"
    "Only {{ next_reward_points }} more for {{ next_reward }}.\n\n"
    "[See your card]({{ member_page_link }}) or read https://aroma.example/menu."
)


@pytest.fixture
def ioana(merchant_a):
    """A hand-made member: 450 points, Silver, no welcome bonus."""
    silver = Tier.objects.for_merchant(merchant_a).get(name="Silver")
    merchant_a.brand_color = "#7c2d12"
    merchant_a.save(update_fields=["brand_color"])
    return MemberFactory(
        merchant=merchant_a, first_name="Ioana", points_balance=450, tier=silver, language="en"
    )


def test_the_variables_are_filled_from_the_member(merchant_a, ioana):
    template = make_template(merchant_a, BODY, subject="{{ first_name }}, your {{ points }}")

    rendered = render(template, ioana)

    assert rendered.subject == "Ioana, your 450 points"
    assert "Hello Ioana," in rendered.text
    assert "you have 450 points, worth €4.50. Tier: Silver." in rendered.text
    # 500 points for €5 off is the cheapest reward out of reach (the coffee is affordable, the
    # 15 % off is for a tier above).
    assert "Only 50 points more for €5 off your next purchase." in rendered.text


def test_the_email_is_html_with_the_css_inlined_in_the_merchants_colour(merchant_a, ioana):
    rendered = render(make_template(merchant_a, BODY), ioana)

    assert rendered.html.startswith("<!DOCTYPE html>") or rendered.html.lower().startswith(
        "<!doctype html>"
    )
    assert "<style" not in rendered.html
    head = re.search(r'<div class="head" style="([^"]*)"', rendered.html)
    assert head and "#7c2d12" in head.group(1)
    assert re.search(r'<p style="[^"]*margin', rendered.html)
    assert "Aroma Café" in rendered.html


def test_the_text_part_reads_on_its_own(merchant_a, ioana):
    rendered = render(make_template(merchant_a, BODY), ioana)

    assert "<" not in rendered.text
    assert "See your card (http://127.0.0.1:8000/m/aroma/)" in rendered.text
    assert "https://aroma.example/menu" in rendered.text
    assert "Unsubscribe: http://127.0.0.1:8000/m/aroma/profile" in rendered.text


def test_member_data_and_the_merchants_words_are_escaped(merchant_a):
    member = MemberFactory(merchant=merchant_a, first_name='<b onclick="x()">Zed</b>')
    template = make_template(merchant_a, "Hi {{ first_name }} <script>alert(1)</script> & co")

    rendered = render(template, member)

    assert "<script>" not in rendered.html and "<b onclick" not in rendered.html
    # css-inline writes the document out again: quotes in text need no escaping there.
    assert '&lt;b onclick="x()"&gt;Zed&lt;/b&gt;' in rendered.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in rendered.html
    # The text part is plain text: what was written, unchanged.
    assert 'Hi <b onclick="x()">Zed</b> <script>alert(1)</script> & co' in rendered.text


def test_the_language_is_the_members_then_the_templates_then_the_merchants(merchant_a, ioana):
    template = make_template(
        merchant_a,
        "",
        languages={
            "en": ("Hello", "Hello {{ first_name }}"),
            "ro": ("Salut", "Bună {{ first_name }}"),
        },
    )
    ioana.language = "ro"

    assert render(template, ioana).subject == "Salut"
    assert render(template, ioana, language="en").subject == "Hello"
    ioana.language = "de"
    assert render(template, ioana).language == "en"  # the merchant's default language
    template.default_language = "ro"
    assert render(template, ioana).language == "ro"


def test_a_marketing_email_carries_an_unsubscribe_link_and_a_transactional_one_does_not(
    merchant_a, ioana
):
    marketing = render(
        make_template(merchant_a, "Hi"), ioana, unsubscribe_url="https://x.example/u/TOKEN1"
    )
    receipt = render(
        make_template(merchant_a, "Hi", name="Receipt", purpose=Purpose.TRANSACTIONAL), ioana
    )

    assert 'href="https://x.example/u/TOKEN1"' in marketing.html
    assert "Unsubscribe: https://x.example/u/TOKEN1" in marketing.text
    assert "Unsubscribe" not in receipt.html and "Unsubscribe" not in receipt.text


def test_the_voucher_code_and_its_qr_come_with_the_voucher(merchant_a, ioana):
    template = make_template(merchant_a, "Your code: {{ voucher_code }}\n{{ voucher_qr }}")
    voucher = VoucherFactory(merchant=merchant_a, member=ioana, code="KQ7PXM3R")

    rendered = render(template, ioana, voucher=voucher)

    assert "Your code: KQ7PXM3R" in rendered.html
    assert re.search(r'<img class="qr"[^>]* src="data:image/png;base64,', rendered.html)
    assert f"/m/aroma/vouchers/{voucher.pk}" in rendered.text
    with pytest.raises(MissingVoucher):
        render(template, ioana)


def test_an_sms_is_plain_text_with_its_segments_counted(merchant_a, ioana):
    template = make_template(
        merchant_a, "Hi {{ first_name }}: {{ points }}. {{ member_page_link }}", channel=Channel.SMS
    )

    rendered = render(template, ioana)

    assert rendered.sms == "Hi Ioana: 450 points. http://127.0.0.1:8000/m/aroma/"
    assert rendered.html == ""
    assert (rendered.sms_segments, rendered.sms_encoding) == (1, "GSM-7")


def test_sms_segments_follow_gsm7_and_ucs2_limits():
    assert sms_segments("a" * 160) == 1
    assert sms_segments("a" * 161) == 2
    assert sms_segments("€" * 80) == 1  # two units each
    assert sms_segments("€" * 81) == 2
    assert sms_segments("ă" * 70) == 1  # not GSM-7: UCS-2
    assert sms_segments("ă" * 71) == 2
    assert sms_segments("ă" * 135) == 3


def test_an_in_app_message_is_a_short_card(merchant_a, ioana):
    template = make_template(
        merchant_a, "Hi {{ first_name }}\n\nSee you soon", subject="A gift", channel=Channel.IN_APP
    )

    rendered = render(template, ioana)

    assert rendered.subject == "A gift"
    assert rendered.html == "<p>Hi Ioana</p>\n<p>See you soon</p>"


def test_with_a_message_links_are_signed_redirects_and_opens_are_counted(merchant_a, ioana):
    template = make_template(merchant_a, BODY, track_opens=True)
    message = Message.objects.create(
        merchant=merchant_a, member=ioana, channel=Channel.EMAIL, send_key="test:1"
    )

    rendered = render(template, ioana, message=message, unsubscribe_url="https://x.example/u/1")

    tokens = re.findall(r'href="http://127\.0\.0\.1:8000/m/aroma/l/([^"]+)"', rendered.html)
    targets = {signing.loads(token, salt=CLICK_SALT)["u"] for token in tokens}
    assert {"http://127.0.0.1:8000/m/aroma/", "https://aroma.example/menu"} <= targets
    assert 'href="https://x.example/u/1"' in rendered.html  # unsubscribing is never tracked
    assert re.search(
        r'<img src="http://127\.0\.0\.1:8000/m/aroma/o/[^"]+" width="1"', rendered.html
    )


def test_without_open_tracking_there_is_no_pixel(merchant_a, ioana):
    message = Message.objects.create(
        merchant=merchant_a, member=ioana, channel=Channel.EMAIL, send_key="test:2"
    )

    rendered = render(make_template(merchant_a, "Hi"), ioana, message=message)

    assert "/m/aroma/o/" not in rendered.html


def test_a_broadcast_reads_the_words_catalogue_and_program_once_per_template(
    merchant_a, ioana, django_assert_num_queries
):
    template = make_template(merchant_a, BODY)
    other = MemberFactory(merchant=merchant_a, first_name="Radu", points_balance=120)
    render(template, ioana)

    with django_assert_num_queries(0):
        rendered = render(template, other)

    assert "Hello Radu," in rendered.text
    # 120 points: the coffee (300) is now the cheapest out of reach.
    assert "Only 180 points more for Free coffee." in rendered.text


def test_the_best_offer_is_a_promotion_on_the_favourite_category_else_the_nearest_reward(
    merchant_a, ioana
):
    template = make_template(merchant_a, "For you, {{ first_name }}: {{ best_offer }}.")
    # No favourite yet: the nearest reward (500 points for €5 off, 50 to go).
    assert (
        "For you, Ioana: €5 off your next purchase: 50 points to go."
        in render(template, ioana).text
    )

    for category, share in (("coffee beans", "0.6000"), ("pastries", "0.4000")):
        CategoryAffinity.objects.create(
            merchant=merchant_a,
            member=ioana,
            category=category,
            spend=Decimal("10.00"),
            share=Decimal(share),
        )
    now = timezone.now()
    save_promotion(
        promotion=Promotion(
            merchant=merchant_a,
            name="Beans week",
            multiplier=Decimal("3"),
            starts_at=now - timedelta(hours=1),
            ends_at=now + timedelta(days=3),
            applies_to=PromotionScope.CATEGORIES,
            categories=["coffee beans"],
        ),
        actor=None,
    )
    fresh = make_template(merchant_a, "{{ favourite_category }} / {{ best_offer }}", name="B")

    assert "coffee beans / Beans week ×3 on coffee beans" in render(fresh, ioana).text  # noqa: RUF001
