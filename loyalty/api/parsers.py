"""The API's JSON parser: a body too deeply nested to decode is malformed, like any bad JSON."""

from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


class SafeJSONParser(JSONParser):
    """DRF's JSON parser, plus: nesting past Python's recursion limit is a ParseError.

    `json` recurses once per `[` or `{`; 100,000 of them raise RecursionError, which DRF does not
    catch (it catches ValueError), so the client got an HTML 500 instead of a 400 problem.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type=media_type, parser_context=parser_context)
        except RecursionError:
            raise ParseError(_("JSON parse error - the body is nested too deeply.")) from None
