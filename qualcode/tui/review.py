"""Review mode in the app: what a supervisor may not do is absent, not only refused.

Each screen names the actions that would write (``WRITE_ACTIONS``); in review mode
:class:`ReviewAware` turns them off, so their keys leave the footer, the help screen and the
command palette and pressing them does nothing. The project underneath is open read-only as well
(``Project.open(read_only=True)``), so anything missed here is refused by the storage layer.
"""

from __future__ import annotations

from typing import Any, ClassVar


def in_review(node: Any) -> bool:
    """Is the app ``node`` belongs to (or the app itself) in review mode?"""
    app = node if hasattr(node, "review") else getattr(node, "app", None)
    return bool(getattr(app, "review", False))


class ReviewAware:
    """Mixin for screens (put it before ``Screen`` in the bases): hides ``WRITE_ACTIONS``."""

    WRITE_ACTIONS: ClassVar[frozenset[str]] = frozenset()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in self.WRITE_ACTIONS and in_review(self):
            return False
        return True


def is_write_binding(owner: Any, action: str) -> bool:
    """A binding of ``owner`` (a screen or app class) that review mode removes."""
    name = action.split("(", 1)[0]
    return name in getattr(owner, "WRITE_ACTIONS", frozenset())
