"""What a project remembers of the REFI-QDA files it imported, so an export gives it back.

Two settings: ``refi_guids`` keeps the GUIDs other programs gave to sources, informants (cases)
and coders (users), by qualcode id, so exporting back keeps them (a program can then recognise
its own objects); ``refi_sets`` keeps the sets (ATLAS.ti code and document groups, NVivo sets)
qualcode has no table for, so they are written out again. Objects without a stored GUID get one
derived from their name (``model.derived_guid``), the same on every export.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from qualcode.exchange.refi.model import derived_guid, is_uuid
from qualcode.storage.project import get_setting, set_setting

GUIDS_KEY = "refi_guids"
SETS_KEY = "refi_sets"
KINDS = ("source", "informant", "coder")


class Guids:
    """GUIDs of a project's sources, informants and coders: stored, else derived from names."""

    def __init__(self, session: Session) -> None:
        stored = get_setting(session, GUIDS_KEY) or {}
        self.stored: dict[str, dict[str, str]] = {k: dict(stored.get(k, {})) for k in KINDS}

    def of(self, kind: str, row_id: int | None, name: str) -> str:
        stored = self.stored[kind].get(str(row_id))
        # Another program's id that is not a GUID cannot be written back (the schema wants one).
        if stored is not None and is_uuid(stored):
            return stored
        return derived_guid(kind, name)

    def remember(self, kind: str, row_id: int, guid: str) -> None:
        self.stored[kind][str(row_id)] = guid

    def save(self, session: Session) -> None:
        set_setting(session, GUIDS_KEY, {k: v for k, v in self.stored.items() if v})


def stored_sets(session: Session) -> list[dict[str, Any]]:
    return list(get_setting(session, SETS_KEY) or [])


def save_sets(session: Session, sets: list[dict[str, Any]]) -> None:
    set_setting(session, SETS_KEY, sets)
