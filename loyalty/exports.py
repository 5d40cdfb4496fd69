"""CSV exports, the same way on every page that offers one."""

import re

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
