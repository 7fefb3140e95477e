"""CSV cells that a spreadsheet cannot run (CSV formula injection, OWASP).

Excel, LibreOffice and Google Sheets treat a cell that starts with ``=``, ``+``, ``-`` or ``@`` as
a formula -- ``=HYPERLINK(...)`` or ``=cmd|' /C calc'!A0`` in a transcript line would run when the
file is opened -- and a leading tab or carriage return can hide such a start. So a *text* cell
starting with one of those characters is written with a ``'`` in front (``'=HYPERLINK(...)``):
the spreadsheet shows the text, and the ``'`` marks it as text.

Numbers are not text: a magnitude -1 stays the number ``-1`` and a mean -1.25 stays ``-1.25``,
and so does a text cell that is exactly a signed decimal number ("-1", "+0.50"), which a
spreadsheet reads as that number and nothing else. Everything else that starts with a trigger is
neutralised, ratings included: ``--`` (strongly negative) is written ``'--``, which still reads as
the rating (unprefixed, Excel would try it as a formula and show ``#NAME?``).
"""

from __future__ import annotations

import re

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_SIGNED_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")


def neutralise(text: str) -> str:
    """``text`` made inert for spreadsheets (see the module docstring)."""
    if text.startswith(TRIGGERS) and not _SIGNED_NUMBER.fullmatch(text):
        return "'" + text
    return text


def csv_cell(value: int | float | str | None, text: str) -> str:
    """The CSV field for a cell whose value is ``value`` and whose text form is ``text``:
    numbers as they are, text neutralised, missing (None) empty."""
    if value is None:
        return ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return text
    return neutralise(text)


# For CSV that qualcode reads back (codings CSV): one or more "'" before a trigger.
_ESCAPED = re.compile(r"'+[=+\-@\t\r]")


def neutralise_reversibly(text: str) -> str:
    """Like :func:`neutralise`, but :func:`restore` gives ``text`` back exactly: a cell that
    already looks escaped (``'=...``) gets one more ``'``."""
    if neutralise(text) != text or _ESCAPED.match(text):
        return "'" + text
    return text


def restore(text: str) -> str:
    """The cell as it was before :func:`neutralise_reversibly`."""
    return text[1:] if _ESCAPED.match(text) else text
