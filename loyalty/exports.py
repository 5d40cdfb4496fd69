"""CSV exports, the same way on every page that offers one."""

import csv
import re
from collections.abc import Iterable, Iterator, Sequence

from django.http import StreamingHttpResponse

# A phone number in E.164 ("+40721234567") is a plain number to a spreadsheet, not a formula.
_PLAIN_NUMBER = re.compile(r"[+-]?[0-9]+")


def spreadsheet_cell(value: str) -> str:
    """A text cell a spreadsheet shows and never runs.

    A cell starting with = + - @ (or TAB, CR) is a formula to a spreadsheet; names, tiers and
    everything else typed by a person may start so. Every text column goes through here.
    """
    if value[:1] in ("=", "+", "-", "@", "\t", "\r") and not _PLAIN_NUMBER.fullmatch(value):
        return f"'{value}"
    return value


class _Echo:
    """A file-like object whose write() hands the line back, for csv.writer in a stream."""

    def write(self, value: str) -> str:
        return value


def csv_lines(header: Sequence[str], rows: Iterable[Sequence[object]]) -> Iterator[str]:
    """The CSV text of a header and its rows, one line at a time (a list of any length
    streams without being held in memory). Text cells go through `spreadsheet_cell` first."""
    writer = csv.writer(_Echo())
    yield writer.writerow(header)
    for row in rows:
        yield writer.writerow(row)


def csv_response(filename: str, lines: Iterable[str]) -> StreamingHttpResponse:
    """A streamed CSV download named `filename`."""
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
