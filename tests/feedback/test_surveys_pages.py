"""The survey's pages without signing in: the answer page, its kind refusals that write
nothing, the thank-you page with the promoter's links, stopping requests, the receipt's page
and its QR code at the till."""

from datetime import timedelta

import pytest
import time_machine

from feedback.models import Answer, FeedbackSettings, Invitation, SurveyKind, SurveyOptOut
from feedback.surveys.invitations import invite_for_purchase
from feedback.surveys.links import receipt_token, survey_token
from loyalty.models import PointsEntry
from loyalty.models.points import Event
from loyalty.pos.services import new_form_token
from tests.feedback.surveys_kit import sale, survey_fixture, words_analyser  # noqa: F401
from tests.loyalty.pos.conftest import HX, find


@pytest.fixture
def invitation(shop_a, ana, survey) -> Invitation:
    return invite_for_purchase(purchase_id=sale(shop_a, ana, "R-1").pk)


def page(merchant, token: str, suffix: str = "") -> str:
    return f"/m/{merchant.slug}/survey/{token}/{suffix}"


def writes() -> tuple:
    return (
        Answer.objects.count(),
        PointsEntry.objects.count(),
        Event.objects.count(),
        SurveyOptOut.objects.count(),
        tuple(Invitation.objects.order_by("pk").values_list("status", "message_id")),
    )


def test_the_answer_page_asks_in_the_merchants_colours(client, merchant_a, invitation):
    merchant_a.brand_color = "#7c2d12"
    merchant_a.save()
    before = writes()

    answer = client.get(page(merchant_a, survey_token(invitation)))

    html = answer.content.decode()
    assert answer.status_code == 200
    assert "How likely are you to recommend Aroma Café to a friend or colleague?" in html
    assert "What is the main reason for your score?" in html
    assert html.count('type="radio" name="score"') == 11
    assert "--brand: #7c2d12" in html
    assert writes() == before


def test_the_merchants_own_words_and_csat_scale(client, merchant_a, survey, invitation):
    survey.kind = SurveyKind.CSAT
    survey.question = {"en": "Did you enjoy your coffee?"}
    survey.reason_prompt = {"en": "Tell us why"}
    survey.save()

    html = client.get(page(merchant_a, survey_token(invitation))).content.decode()

    assert "Did you enjoy your coffee?" in html and "Tell us why" in html
    assert html.count('type="radio" name="score"') == 5


def test_answering_shows_the_thank_you_page_and_a_reload_sends_nothing(
    client, merchant_a, ana, invitation
):
    url = page(merchant_a, survey_token(invitation))

    answer = client.post(url, {"score": "4", "comment": "Slow service"})

    assert answer.status_code == 302 and answer["Location"] == url
    saved = Answer.objects.get()
    assert (saved.score, saved.member, saved.sentiment) == (4, ana, "negative")
    before = writes()
    thanks = client.get(url)
    again = client.post(url, {"score": "10"})
    assert "Thank you for your answer" in thanks.content.decode()
    assert "+20 points on your card." in thanks.content.decode()
    assert again.status_code == 200 and "Thank you for your answer" in again.content.decode()
    assert writes() == before and Answer.objects.get().score == 4


def test_a_promoter_is_offered_the_review_and_the_referral_link(
    client, merchant_a, ana, invitation
):
    FeedbackSettings.objects.create(merchant=merchant_a, review_url="https://reviews.example/aroma")
    url = page(merchant_a, survey_token(invitation))

    client.post(url, {"score": "10"})
    html = client.get(url).content.decode()

    assert "https://reviews.example/aroma" in html
    assert f"/m/{merchant_a.slug}/join?ref={ana.referral_code}" in html


def test_a_detractor_is_not_asked_for_a_public_review(client, merchant_a, invitation):
    FeedbackSettings.objects.create(merchant=merchant_a, review_url="https://reviews.example/aroma")
    url = page(merchant_a, survey_token(invitation))

    client.post(url, {"score": "5"})

    html = client.get(url).content.decode()
    assert "reviews.example" not in html and "join?ref=" not in html


def test_without_a_score_the_page_asks_again_and_saves_nothing(client, merchant_a, invitation):
    before = writes()

    answer = client.post(page(merchant_a, survey_token(invitation)), {"comment": "hmm"})

    assert answer.status_code == 400
    assert "Please choose a score." in answer.content.decode()
    assert "hmm" in answer.content.decode()  # what they wrote is kept
    assert writes() == before


def test_a_tampered_link_says_so_kindly_and_changes_nothing(client, merchant_a, invitation):
    token = survey_token(invitation)
    before = writes()

    for bad in (token[:-2], token.replace(":", ":9", 1), "nonsense"):
        for suffix in ("", "stop/"):
            got = client.get(page(merchant_a, bad, suffix))
            posted = client.post(page(merchant_a, bad, suffix), {"score": "10"})
            for answer in (got, posted):
                assert answer.status_code == 404
                assert "This link is not valid" in answer.content.decode()

    assert writes() == before


def test_an_expired_link_says_so_kindly_and_changes_nothing(client, merchant_a, invitation):
    url = page(merchant_a, survey_token(invitation))
    before = writes()

    with time_machine.travel(invitation.expires_at + timedelta(minutes=1)):
        got = client.get(url)
        posted = client.post(url, {"score": "10"})

    for answer in (got, posted):
        assert answer.status_code == 410
        assert "This survey has closed" in answer.content.decode()
    assert writes() == before


def test_another_merchants_slug_does_not_open_our_invitation(client, merchant_b, invitation):
    answer = client.get(page(merchant_b, survey_token(invitation)))

    assert answer.status_code == 404 and "This link is not valid" in answer.content.decode()


def test_stopping_survey_requests_asks_first(client, merchant_a, ana, invitation):
    url = page(merchant_a, survey_token(invitation), "stop/")
    before = writes()

    asked = client.get(url)

    assert asked.status_code == 200 and writes() == before
    assert '<button type="submit" class="button primary">Stop survey requests' in (
        asked.content.decode()
    )
    done = client.post(url)
    assert "You will get no more survey requests" in done.content.decode()
    assert SurveyOptOut.objects.get().member == ana
    client.post(url)
    assert SurveyOptOut.objects.count() == 1


def test_the_receipt_page_takes_an_anonymous_answer_once(client, merchant_a, shop_a, survey):
    purchase = sale(shop_a, None, "R-7")
    url = f"/m/{merchant_a.slug}/survey/receipt/{receipt_token(purchase)}/"

    assert client.get(url).status_code == 200
    client.post(url, {"score": "8", "comment": "Great cake"})
    thanks = client.post(url, {"score": "1"})

    answer = Answer.objects.get()
    assert (answer.member, answer.purchase, answer.score, answer.sentiment) == (
        None,
        purchase,
        8,
        "positive",
    )
    assert "Thank you for your answer" in thanks.content.decode()


def test_a_receipt_link_of_a_merchant_without_an_active_survey_has_closed(
    client, merchant_a, shop_a, survey
):
    purchase = sale(shop_a, None, "R-7")
    survey.active = False
    survey.save()

    answer = client.get(f"/m/{merchant_a.slug}/survey/receipt/{receipt_token(purchase)}/")

    assert answer.status_code == 410


def sell_at_till(client, member, amount="12.00"):
    find(client, member)
    return client.post(
        f"/pos/members/{member.pk}/purchase/",
        {"token": new_form_token(), "amount": amount},
        **HX,
    )


def test_the_till_shows_the_surveys_qr_code_after_a_sale(cashier_client, ana, survey):
    html = sell_at_till(cashier_client, ana).content.decode()

    assert 'class="qr pos-survey-qr"' in html and "<svg" in html
    assert "QR code of the survey about this visit" in html


def test_without_an_active_survey_the_till_shows_no_qr_code(cashier_client, ana):
    html = sell_at_till(cashier_client, ana).content.decode()

    assert "pos-survey-qr" not in html


def test_a_score_tapped_in_the_email_is_chosen_on_the_page(client, merchant_a, invitation):
    before = writes()

    html = client.get(page(merchant_a, survey_token(invitation)) + "?score=9").content.decode()

    assert 'id="score-9" value="9" required checked' in html
    assert writes() == before
