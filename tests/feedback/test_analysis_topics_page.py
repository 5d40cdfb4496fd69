"""/portal/feedback/topics/: the merchant's topic keywords, added, refused, removed, tried."""

import pytest
from django.urls import reverse

from feedback.analysis.keywords import add_topic_keyword
from feedback.models import TopicKeyword
from loyalty.errors import Conflict
from loyalty.models import AuditEvent
from tests.feedback.analysis_kit import keyword

pytestmark = pytest.mark.django_db
PAGE = "/portal/feedback/topics/"
TRY = "/portal/feedback/topics/try/"


def test_the_url_names():
    assert reverse("portal:feedback_topics") == PAGE
    assert reverse("portal:feedback_topics_try") == TRY
    assert reverse("portal:feedback_topic_delete", args=[7]) == f"{PAGE}7/delete/"


def test_the_page_lists_the_topics_and_the_merchants_keywords(manager_client, merchant_a):
    keyword(merchant_a, "availability", "oat milk", "en")
    keyword(merchant_a, "quality", "cozonac")
    response = manager_client.get(PAGE)
    html = response.content.decode()
    assert response.status_code == 200
    for label in ("Service", "Waiting time", "Product availability", "The loyalty program"):
        assert label in html
    assert "oat milk" in html and "(English)" in html
    assert "cozonac" in html and "(Every language)" in html
    assert 'hx-post="/portal/feedback/topics/try/"' in html


def test_a_manager_adds_a_keyword(manager_client, merchant_a, manager_a):
    response = manager_client.post(
        PAGE, {"topic": "availability", "language": "ro", "keyword": "  Lapte de  Ovăz "}
    )
    assert response.status_code == 302
    row = TopicKeyword.objects.for_merchant(merchant_a).get()
    assert (row.topic, row.language, row.keyword) == ("availability", "ro", "lapte de ovăz")
    event = AuditEvent.objects.get(action="feedback.topic_keyword.added")
    assert event.actor == manager_a and event.merchant == merchant_a
    assert "lapte de ovăz" in manager_client.get(PAGE).content.decode()


def test_a_duplicate_is_refused_kindly(manager_client, merchant_a):
    keyword(merchant_a, "availability", "oat milk", "")
    response = manager_client.post(
        PAGE, {"topic": "availability", "language": "en", "keyword": "Oat Milk"}
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "“oat milk” is already one of your keywords for Product availability." in html
    assert TopicKeyword.objects.for_merchant(merchant_a).count() == 1


def test_a_built_in_word_is_refused_with_a_word_why(manager_client, merchant_a):
    response = manager_client.post(PAGE, {"topic": "waiting", "language": "en", "keyword": "queue"})
    assert response.status_code == 400
    assert "already counts for Waiting time" in response.content.decode()
    assert not TopicKeyword.objects.for_merchant(merchant_a).exists()


def test_an_invalid_keyword_shows_the_error(manager_client, merchant_a):
    response = manager_client.post(PAGE, {"topic": "price", "language": "", "keyword": "!!!"})
    assert response.status_code == 400
    assert "A keyword needs at least one word." in response.content.decode()
    response = manager_client.post(PAGE, {"topic": "weather", "keyword": "rain"})
    assert response.status_code == 400
    assert not TopicKeyword.objects.for_merchant(merchant_a).exists()


def test_the_same_keyword_for_another_merchant_is_theirs(merchant_a, merchant_b, owner_a):
    keyword(merchant_b, "quality", "cozonac")
    row = add_topic_keyword(
        merchant=merchant_a, actor=owner_a, topic="quality", language="", keyword="cozonac"
    )
    assert row.merchant == merchant_a
    with pytest.raises(Conflict):
        add_topic_keyword(
            merchant=merchant_a, actor=owner_a, topic="quality", language="ro", keyword="Cozonac"
        )


def test_removing_asks_first_then_removes(manager_client, merchant_a):
    row = keyword(merchant_a, "quality", "cozonac")
    url = f"{PAGE}{row.pk}/delete/"
    confirm = manager_client.get(url)
    assert confirm.status_code == 200
    assert "Remove “cozonac” from Quality?" in confirm.content.decode()
    assert TopicKeyword.objects.filter(pk=row.pk).exists()
    assert manager_client.post(url).status_code == 302
    assert not TopicKeyword.objects.filter(pk=row.pk).exists()
    assert AuditEvent.objects.filter(action="feedback.topic_keyword.deleted").count() == 1


def test_another_merchants_keyword_is_404(outsider_client, merchant_a):
    row = keyword(merchant_a, "quality", "cozonac")
    url = f"{PAGE}{row.pk}/delete/"
    assert outsider_client.get(url).status_code == 404
    assert outsider_client.post(url).status_code == 404
    assert TopicKeyword.objects.filter(pk=row.pk).exists()
    assert "cozonac" not in outsider_client.get(PAGE).content.decode()


def test_a_cashier_cannot(cashier_client, merchant_a):
    row = keyword(merchant_a, "quality", "cozonac")
    assert cashier_client.get(PAGE).status_code == 403
    assert cashier_client.post(PAGE, {"topic": "price", "keyword": "lei"}).status_code == 403
    assert cashier_client.post(f"{PAGE}{row.pk}/delete/").status_code == 403
    assert cashier_client.post(TRY, {"try-text": "good"}).status_code == 403
    assert TopicKeyword.objects.for_merchant(merchant_a).count() == 1


def test_trying_a_sentence_answers_the_partial_with_the_merchants_keywords(
    manager_client, merchant_a
):
    keyword(merchant_a, "availability", "oat milk", "en")
    response = manager_client.post(
        TRY, {"try-text": "No oat milk again, the barista was rude"}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="try-result"')
    assert "English" in html and "Negative" in html
    assert "Staff" in html and "Product availability" in html


def test_trying_detects_or_takes_the_language(manager_client):
    html = manager_client.post(
        TRY, {"try-text": "не очень вкусно"}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "Russian" in html and "Negative" in html and "Quality" in html
    html = manager_client.post(
        TRY, {"try-text": "super", "try-language": "ro"}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "Romanian" in html and "Positive" in html


def test_trying_without_javascript_renders_the_whole_page(manager_client):
    response = manager_client.post(TRY, {"try-text": "nu a fost rău"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Add a keyword" in html and "Romanian" in html and "Positive" in html


def test_trying_an_empty_sentence_says_so(manager_client):
    response = manager_client.post(TRY, {"try-text": ""}, HTTP_HX_REQUEST="true")
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
