"""Blind mode: while a team double-codes, each coder sees only their own codings.

A project setting (``blind``), switched by ``qualcode blind on|off``. While it is on, the app
shows a coder only their own codings on every screen (coding, retrieval, matrices, triangulation,
conclusions) and refuses them the Agreement screen; the project's supervisors (named with
``qualcode blind on --supervisor NAME``) see everyone's codings and compare them. Blind mode lasts
until ``qualcode blind off``: the supervisor opens the comparison to the team by turning it off.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from qualcode.storage.project import audit, get_setting, set_setting

SETTING = "blind"


@dataclass(frozen=True)
class BlindMode:
    on: bool = False
    supervisors: tuple[str, ...] = ()

    def sees_everyone(self, coder: str) -> bool:
        """May ``coder`` see other coders' codings (and compare them)?"""
        return not self.on or coder in self.supervisors

    def visible_coder(self, coder: str) -> str | None:
        """The coder whose codings ``coder`` may see, or None for everyone's."""
        return None if self.sees_everyone(coder) else coder

    def describe(self) -> str:
        if not self.on:
            return "blind mode is off: every coder sees everyone's codings"
        who = ", ".join(self.supervisors) or "none named"
        return f"blind mode is on: coders see only their own codings (supervisors: {who})"


def blind_mode(session: Session) -> BlindMode:
    value = get_setting(session, SETTING, None) or {}
    return BlindMode(bool(value.get("on")), tuple(value.get("supervisors") or ()))


def set_blind(
    session: Session, on: bool, supervisors: tuple[str, ...] | None, *, actor: str
) -> BlindMode:
    """Switch blind mode; ``supervisors`` replaces the list when given, else it is kept."""
    current = blind_mode(session)
    names = current.supervisors if supervisors is None else tuple(dict.fromkeys(supervisors))
    mode = BlindMode(on, names)
    set_setting(session, SETTING, {"on": mode.on, "supervisors": list(mode.supervisors)})
    audit(session, actor, "blind " + ("on" if on else "off"), "project", None, supervisors=names)
    return mode
