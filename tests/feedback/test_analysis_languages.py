# ruff: noqa: RUF001 (Russian comments are Cyrillic on purpose)
"""The analyser on realistic comments in the three languages, as the portal shows it: the topic,
sentiment and language labels in the reader's language (the portal's "try a sentence")."""

import pytest

pytestmark = pytest.mark.django_db
TRY = "/portal/feedback/topics/try/"

COMMENTS = [
    # (a complaint about the wait and the waitress, its language): with diacritics, without,
    # with the cedilla letters of old keyboards, and in Russian
    ("Am așteptat 20 de minute la coadă, iar ospătărița a fost nepoliticoasă.", "ro"),
    ("Am asteptat 20 de minute la coada, iar ospatarita a fost nepoliticoasa.", "ro"),
    ("Am aşteptat 20 de minute la coadă, iar ospătăriţa a fost nepoliticoasă.", "ro"),
    ("Ждали двадцать минут, а официантка была грубой.", "ru"),
]
LABELS = {
    "ro": {
        "ro": "Română",
        "ru": "Rusă",
        "staff": "Personal",
        "waiting": "Timp de așteptare",
        "negative": "Negativ",
    },
    "ru": {
        "ro": "Румынский",
        "ru": "Русский",
        "staff": "Сотрудники",
        "waiting": "Время ожидания",
        "negative": "Отрицательный",
    },
}


@pytest.mark.parametrize("reader", ["ro", "ru"])
@pytest.mark.parametrize(("comment", "language"), COMMENTS)
def test_a_complaint_is_read_in_any_spelling_and_labelled_in_the_readers_language(
    manager_client, comment, language, reader
):
    html = manager_client.post(
        TRY, {"try-text": comment}, HTTP_HX_REQUEST="true", HTTP_ACCEPT_LANGUAGE=reader
    ).content.decode()

    words = LABELS[reader]
    assert words[language] in html
    assert words["negative"] in html
    assert words["staff"] in html and words["waiting"] in html
    assert "Waiting time" not in html and "Negative" not in html
