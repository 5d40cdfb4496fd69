# ruff: noqa: RUF001 (Russian comments are Cyrillic on purpose)
"""The built-in analyser on hand-picked comments: negation and intensifiers, diacritics or
none, Russian inflection, language detection, the merchant's keywords, empty comments."""

import pytest

from feedback.analysis.language import detect_language
from feedback.analysis.text import normalise, strip_diacritics, tokenise
from tests.feedback.analysis_kit import read


@pytest.mark.parametrize(
    ("text", "language", "sentiment"),
    [
        ("not bad at all", "en", "positive"),
        ("Not bad at all, will come again", "en", "positive"),
        ("nu a fost rău", "ro", "positive"),
        ("nu a fost rau", "ro", "positive"),
        ("не очень вкусно", "ru", "negative"),
        ("очень вкусно", "ru", "positive"),
        ("not good", "en", "negative"),
        ("very good", "en", "positive"),
    ],
)
def test_it_handles_negation_and_intensifiers(text, language, sentiment):
    assert read(text).sentiment == sentiment
    assert read(text).language == language


def test_not_bad_at_all_is_stronger_than_not_bad():
    # "at all" after a turned judgement makes it praise, not a shrug
    from feedback.analysis.sentiment import score_sentiment

    plain = score_sentiment(tokenise("not bad"), "en").score
    at_all = score_sentiment(tokenise("not bad at all"), "en").score
    assert 0 < plain < at_all


def test_a_contrast_weighs_the_clause_after_it():
    assert read("Good coffee but the wait was too long").sentiment == "negative"
    assert read("The place is a bit small but the coffee is great").sentiment == "positive"
    assert read("Кофе хороший, но ждали слишком долго").sentiment == "negative"
    assert read("Localul e mic dar cafeaua e foarte buna").sentiment == "positive"


def test_negative_concord_does_not_turn_a_negation_back():
    assert read("Niciodată nu mai vin").sentiment == "negative"
    assert read("Никаких претензий, всё супер").sentiment == "positive"


def test_romanian_reads_the_same_with_or_without_diacritics():
    with_marks = read("Mesele erau murdare și cafeaua proaspătă, dar personalul nepoliticos")
    without = read("Mesele erau murdare si cafeaua proaspata, dar personalul nepoliticos")
    assert with_marks == without
    assert with_marks.language == "ro"
    assert set(with_marks.topics) == {"cleanliness", "quality", "staff"}


def test_cedilla_and_comma_spellings_are_one():
    assert normalise("Şi ţara") == "și țara"
    assert read("Vânzătoarea amabilă şi zâmbitoare") == read("Vânzătoarea amabilă și zâmbitoare")
    assert strip_diacritics("înghețată") == "inghetata"


@pytest.mark.parametrize(
    "text",
    ["Очередь была огромная", "Стояли в очереди", "Ждали очень долго", "Долгое ожидание"],
)
def test_russian_inflections_find_the_topic(text):
    assert "waiting" in read(text).topics


@pytest.mark.parametrize(
    ("text", "sentiment"),
    [
        ("Грязные столы", "negative"),
        ("Столик был грязный", "negative"),
        ("В зале грязно", "negative"),
        ("Вкусная выпечка", "positive"),
        ("Вкусный кофе", "positive"),
        ("Невкусный кофе", "negative"),
    ],
)
def test_russian_inflections_keep_their_sentiment(text, sentiment):
    assert read(text).sentiment == sentiment


def test_e_with_dots_is_plain_e():
    assert read("Круассан был чёрствый") == read("Круассан был черствый")


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("The barista was lovely", "en"),
        ("Personalul a fost foarte amabil", "ro"),
        ("personalul a fost foarte amabil si cafeaua buna", "ro"),
        ("Am asteptat prea mult la coada", "ro"),
        ("Персонал очень вежливый", "ru"),
        ("Кофе ok", "ru"),
    ],
)
def test_it_detects_the_language(text, language):
    assert detect_language(text) == language


def test_a_forced_language_is_used():
    assert read("super", language="ro").language == "ro"


@pytest.mark.parametrize("text", ["", "   ", "...", "\n"])
def test_an_empty_comment_has_no_language_sentiment_or_topic(text):
    result = read(text)
    assert (result.language, result.sentiment, result.topics) == ("", "", ())


def test_merchant_keywords_add_topics_in_their_language_or_all():
    extra = {
        "quality": {"": ["cozonac"]},
        "availability": {"en": ["oat milk"], "ro": ["raft gol"]},
    }
    assert read("They had no oat milk today", extra_keywords=extra).topics == ("availability",)
    assert "quality" in read("Cozonacul era excelent", extra_keywords=extra).topics
    assert "quality" in read("The cozonac is great", extra_keywords=extra).topics
    # A Romanian keyword does not count in an English comment, and finds Romanian forms
    assert read("raft gol", extra_keywords=extra, language="en").topics == ()
    assert "availability" in read("Iar raftul gol la pâine", extra_keywords=extra).topics
    assert "availability" not in read("They had no oat milk today").topics


def test_a_product_beside_a_judgement_is_about_quality_unless_it_ran_out():
    assert read("The croissant was amazing").topics == ("quality",)
    assert read("They ran out of croissants").topics == ("availability",)


def test_a_product_that_is_not_there_is_a_complaint():
    assert read("Nu mai aveau croissante").sentiment == "negative"
    assert read("Не было хлеба").sentiment == "negative"
    # "without" names a product here, it is not an absence
    assert read("Добавьте кофе без кофеина в меню").sentiment == "neutral"


def test_russian_net_after_a_complaint_turns_it():
    assert read("Претензий нет").sentiment == "positive"
    assert read("Проблем нет, всё вкусно").sentiment == "positive"
