"""Errors a user can cause and fix.

Every error meant for a user is a :class:`QualcodeError`; the CLI prints its one-line message and
exits non-zero, never a traceback. Anything else escaping is a bug in qualcode.
"""

from __future__ import annotations

from pathlib import Path


class QualcodeError(Exception):
    """A user-facing error. ``str(err)`` is the one line shown to the user."""


class InputError(QualcodeError):
    """A file the user gave cannot be used. The message names the file and the reason."""

    def __init__(self, path: str | Path, reason: str, line: int | None = None) -> None:
        self.path = str(path)
        # One line, whatever a library's message or a file's content put in it.
        reason = " ".join(part.strip() for part in reason.splitlines() if part.strip())
        self.reason = reason
        self.line = line
        where = f"{self.path}:{line}" if line is not None else self.path
        super().__init__(f"{where}: {reason}")


class CodebookError(InputError):
    """A codebook file breaks the format (see docs/codebooks.md)."""
