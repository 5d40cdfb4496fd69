"""Helpers of the analyser's tests (prefix test_analysis_)."""

from pathlib import Path

from feedback.analysis.builtin import BuiltinAnalyser
from feedback.models import TopicKeyword
from loyalty.models import Merchant

DATA = Path(__file__).parent / "data"
ANALYSER = BuiltinAnalyser()


def read(text: str, **options):
    """The built-in analyser's reading of one comment."""
    return ANALYSER.analyse(text, **options)


def keyword(merchant: Merchant, topic: str, word: str, language: str = "") -> TopicKeyword:
    """A keyword row as the portal would store it (the service is tested on its own)."""
    return TopicKeyword.objects.create(
        merchant=merchant, topic=topic, language=language, keyword=word
    )
