"""``qualcode review``, ``memo list`` and ``serve``: options, refusals, and what they start."""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import fingerprint, run

from qualcode.cli.serve import app_command, is_loopback
from qualcode.storage.codings import coder_id
from qualcode.storage.memos import save_memo
from qualcode.storage.project import Project
from qualcode.storage.review import save_review_memo


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Record what the app or the server would run, instead of running it."""
    calls: list[dict[str, Any]] = []

    def run_app(location: str, coder: str, keys: Any = None, review: bool = False) -> None:
        calls.append({"location": location, "coder": coder, "review": review})

    def serve(self: Any, debug: bool = False) -> None:
        calls.append({"command": self.command, "host": self.host, "port": self.port})

    monkeypatch.setattr("qualcode.tui.app.run_app", run_app)
    monkeypatch.setattr("textual_serve.server.Server.serve", serve)
    monkeypatch.setenv("QUALCODE_CONFIG", "/nonexistent/config.toml")
    return calls


def test_review_opens_the_app_read_only(project: Path, started: list[dict[str, Any]]) -> None:
    assert run("review", "--reviewer", "prof", db=project).exit_code == 0
    assert started == [{"location": str(project), "coder": "prof", "review": True}]
    assert run("code", "--coder", "ana", db=project).exit_code == 0
    assert started[1]["review"] is False


def test_review_of_a_missing_project_is_one_line(tmp_path: Path, started: list) -> None:
    result = run("review", db=tmp_path / "none.db")
    assert result.exit_code == 1 and not started
    assert result.stderr.count("\n") == 1 and "no project here" in result.stderr


def test_memo_list_marks_review_memos(project: Path) -> None:
    with Project.open(project) as p, p.write() as s:
        save_memo(s, "project", None, coder_id(s, "ana"), "Ana's thoughts.", actor="ana")
    with Project.open(project, read_only=True) as p:
        save_review_memo(p, "prof", "project", None, "Reviewed: fine.")
    table = run("memo", "list", db=project).stdout.splitlines()
    assert table[0].split() == ["kind", "on", "author", "text", "updated"]
    assert table[2].split()[:5] == ["REVIEW", "project", "prof", "Reviewed:", "fine."]
    assert table[3].split()[:4] == ["analytic", "project", "ana", "Ana's"]
    rows = json.loads(
        run("memo", "list", "--kind", "review", "--format", "json", db=project).stdout
    )
    assert [(r["kind"], r["author"], r["text"]) for r in rows] == [
        ("review", "prof", "Reviewed: fine.")
    ]


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.1.2.3", True),
        ("localhost", True),
        ("::1", True),
        ("[::1]", True),
        ("0.0.0.0", False),
        ("192.168.1.10", False),
        ("::", False),
        ("example.org", False),
    ],
)
def test_loopback_addresses(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_serve_binds_loopback_by_default(project: Path, started: list[dict[str, Any]]) -> None:
    result = run("serve", "--review", "--coder", "prof", db=project)
    assert result.exit_code == 0, result.output
    assert "warning" not in result.stderr
    call = started[0]
    assert (call["host"], call["port"]) == ("127.0.0.1", 8000)
    assert shlex.split(call["command"]) == [
        sys.executable,
        "-m",
        "qualcode",
        "--db",
        str(project.resolve()),
        "review",
        "--reviewer",
        "prof",
    ]
    assert result.stdout == "serving qualcode review on http://127.0.0.1:8000 (ctrl+c stops)\n"


def test_serve_elsewhere_needs_allow_remote(project: Path, started: list[dict[str, Any]]) -> None:
    before = fingerprint(project)
    refused = run("serve", "--host", "0.0.0.0", db=project)
    assert refused.exit_code == 1 and not started
    assert refused.stderr == (
        "error: --host 0.0.0.0: not a loopback address; textual-serve has no authentication, "
        "so serving beyond this machine needs --allow-remote (and a reverse proxy that "
        "authenticates, see docs/review.md)\n"
    )
    allowed = run("serve", "--host", "0.0.0.0", "--port", "9000", "--allow-remote", db=project)
    assert allowed.exit_code == 0
    assert allowed.stderr.startswith(
        "warning: textual-serve has no authentication: anyone who can reach 0.0.0.0:9000 gets "
        "the app and can change codings."
    )
    assert "SSH tunnel" in allowed.stderr and "reverse proxy" in allowed.stderr
    assert started[0]["host"] == "0.0.0.0"
    assert shlex.split(started[0]["command"])[5] == "code"  # not --review: the coding app
    assert fingerprint(project) == before


def test_serve_a_missing_project_is_refused_before_serving(
    tmp_path: Path, started: list[dict[str, Any]]
) -> None:
    result = run("serve", db=tmp_path / "none.db")
    assert result.exit_code == 1 and not started
    assert "no project here" in result.stderr


def test_app_command_quotes_paths(tmp_path: Path) -> None:
    db = tmp_path / "my study; rm -rf ~" / "p.db"
    argv = shlex.split(app_command(str(db), review=True, who="Dr. O'Neil"))
    assert argv[4] == str(db.resolve()) and argv[-1] == "Dr. O'Neil"
    assert shlex.split(app_command("postgresql://u@h/db", False, "ana"))[4] == (
        "postgresql://u@h/db"
    )
