# ruff: noqa: RUF001 (Russian comments are Cyrillic on purpose)
"""`manage.py analyse_feedback`: one tab-separated line per comment, from a file or stdin."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from tests.feedback.analysis_kit import keyword


def run(*args, stdin: str | None = None) -> list[str]:
    out = StringIO()
    options = {"stdout": out}
    if stdin is not None:
        options["stdin"] = StringIO(stdin)
    call_command("analyse_feedback", *args, **options)
    return out.getvalue().splitlines()


def test_it_reads_a_file_and_prints_a_line_per_comment(tmp_path):
    comments = tmp_path / "comments.txt"
    comments.write_text(
        "Waited 20 minutes and the coffee was cold\n\nnu a fost rău\nне очень вкусно\n",
        encoding="utf-8",
    )
    assert run(str(comments)) == [
        "en\tnegative\twaiting,quality",
        "\t\t",  # a blank line keeps its place
        "ro\tpositive\t",
        "ru\tnegative\tquality",
    ]


def test_it_reads_standard_input():
    assert run("-", stdin="Tables were dirty\nThe barista was lovely\n") == [
        "en\tnegative\tcleanliness",
        "en\tpositive\tstaff",
    ]


def test_a_forced_language_is_printed():
    assert run("--language", "ro", "-", stdin="super\n") == ["ro\tpositive\t"]


@pytest.mark.django_db
def test_a_merchant_adds_its_keywords(merchant_a):
    keyword(merchant_a, "availability", "oat milk", "en")
    line = "No oat milk again\n"
    assert run("-", stdin=line) == ["en\tneutral\t"]
    # a product that is not there is a complaint
    assert run("--merchant", "aroma", "-", stdin=line) == ["en\tnegative\tavailability"]


@pytest.mark.django_db
def test_an_unknown_merchant_is_an_error():
    with pytest.raises(CommandError, match="No merchant with the slug 'nobody'"):
        run("--merchant", "nobody", "-", stdin="ok\n")


def test_a_missing_file_is_an_error(tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        run(str(tmp_path / "missing.txt"))
