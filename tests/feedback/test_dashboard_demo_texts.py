"""The demo café's comments (feedback/demo/texts.py): enough in each language, scores on the
NPS scale, Romanian mostly with its diacritics and a few without, no comment twice."""

from collections import Counter

from feedback.demo.texts import COMMENTS

DIACRITICS = set("ăâîșțĂÂÎȘȚ")
CYRILLIC_A, CYRILLIC_YA = "\u0430", "\u044f"  # the alphabet's first and last small letters


def test_at_least_sixty_comments_per_language_with_scores_from_0_to_10():
    per_language = Counter(language for language, _score, _text in COMMENTS)
    assert set(per_language) == {"en", "ro", "ru"}
    assert min(per_language.values()) >= 60
    assert all(0 <= score <= 10 for _language, score, _text in COMMENTS)
    assert all(text.strip() == text and text for _language, _score, text in COMMENTS)


def test_each_language_has_promoters_passives_and_detractors():
    for language in ("en", "ro", "ru"):
        scores = [score for lang, score, _text in COMMENTS if lang == language]
        assert sum(score >= 9 for score in scores) >= 15
        assert sum(7 <= score <= 8 for score in scores) >= 10
        assert sum(score <= 6 for score in scores) >= 15


def test_romanian_is_mostly_written_with_diacritics_and_a_few_without():
    romanian = [text for language, _score, text in COMMENTS if language == "ro"]
    with_marks = [text for text in romanian if DIACRITICS & set(text)]
    assert len(with_marks) >= 0.8 * len(romanian)
    assert len(romanian) - len(with_marks) >= 4


def test_russian_is_in_cyrillic_and_no_comment_comes_twice():
    russian = [text for language, _score, text in COMMENTS if language == "ru"]
    assert all(any(CYRILLIC_A <= char.lower() <= CYRILLIC_YA for char in text) for text in russian)
    texts = [text for _language, _score, text in COMMENTS]
    assert len(texts) == len(set(texts))
