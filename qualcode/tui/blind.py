"""Blind mode in the app: whose codings the app's coder may see (see ``storage/blind.py``)."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from qualcode.storage.blind import blind_mode


def visible_coder(session: Session, app: Any) -> str | None:
    """The app's coder while blind mode hides the others' codings from them; None: everyone's.

    Read from the project at each use, so that ``qualcode blind off`` reaches a running app at
    its next reload."""
    return blind_mode(session).visible_coder(str(app.coder))
