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


def blind_notice(session: Session, app: Any) -> str | None:
    """What the app says when it opens while blind mode hides the others' codings from its
    coder (or reviewer: review mode keeps blind mode, else any coder could review to peek)."""
    mode = blind_mode(session)
    who = str(app.coder)
    if mode.sees_everyone(who):
        return None
    supervisors = ", ".join(mode.supervisors) or "none named"
    if getattr(app, "review", False):
        return (
            f"blind mode is on and {who} is not one of its supervisors ({supervisors}): you see "
            f"only your own codings and no Agreement screen ('qualcode blind on --supervisor "
            f"{who}' or 'qualcode blind off' opens them)"
        )
    return "blind mode is on: you see only your own codings until 'qualcode blind off'"
