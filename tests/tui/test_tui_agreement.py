"""The Agreement screen and blind mode in the app, on the demo with a second coder (dewi).

dewi double-codes hadi-sutrisno (the CSV of docs/agreement.md): five disagreements with resa, on
segments 8, 14, 18, 20 and 22.
"""

from __future__ import annotations

import json
from pathlib import Path

from conftest import run
from tui_support import SIZE, demo_copy, sql

from qualcode.tui.app import make_app
from qualcode.tui.screens.agreement import AgreementScreen
from qualcode.tui.screens.displays import MatrixScreen, TriangulationScreen

DEWI = """source,segment,code,coder,memo
hadi-sutrisno,4,Obstacles/HR skills,dewi,Sells without knowing the buyer.
hadi-sutrisno,6,Empowering/Product innovation and quality,dewi,
hadi-sutrisno,6,Obstacles/HR skills,dewi,
hadi-sutrisno,8,Empowering/Training and coaching,dewi,Packaging taught but not practised.
hadi-sutrisno,8,Enabling/Motivation and socialisation,dewi,
hadi-sutrisno,10,Empowering/Business development assistants,dewi,
hadi-sutrisno,10,"Empowering/Legality and licensing (SKU, NIB)",dewi,
hadi-sutrisno,12,"Empowering/Legality and licensing (SKU, NIB)",dewi,
hadi-sutrisno,12,Obstacles/Licensing cost and procedure,dewi,
hadi-sutrisno,14,Enabling/Information reaching MSMEs,dewi,Word of mouth from the village office.
hadi-sutrisno,16,Obstacles/Access to capital,dewi,
hadi-sutrisno,16,Protecting/Capital and KUR credit,dewi,
hadi-sutrisno,18,Obstacles/Partnership networks,dewi,
hadi-sutrisno,18,Empowering/Digital marketing,dewi,Minimarket shelf as a sales channel.
hadi-sutrisno,20,Protecting/Programme continuity and supervision,dewi,
hadi-sutrisno,22,Enabling/Motivation and socialisation,dewi,
hadi-sutrisno,22,Enabling/Programme design and community involvement,dewi,Wants a say in the design.
"""


def double_coded_demo(folder: Path) -> Path:
    db = demo_copy(folder)
    csv = folder / "dewi.csv"
    csv.write_text(DEWI, encoding="utf-8")
    assert run("codings", "import", str(csv), db=db).exit_code == 0
    return db


def consensus(db: Path) -> list[tuple[object, ...]]:
    return sql(
        db,
        'SELECT g.ordinal, c.path, cd.start = g.start AND cd."end" = g."end", cd.memo '
        "FROM coding cd JOIN coder k ON k.id = cd.coder_id JOIN code c ON c.id = cd.code_id "
        "JOIN segment g ON g.id = cd.segment_id WHERE k.name = 'consensus' "
        "ORDER BY g.ordinal, c.path",
    )


def decisions(db: Path) -> list[tuple[object, ...]]:
    rows = sql(db, "SELECT actor, detail FROM audit_log WHERE action = 'adjudicate' ORDER BY id")
    return [(actor, json.loads(d)["segment"], json.loads(d)["accept"]) for actor, d in rows]


async def test_supervisor_decides_disagreements_with_keys(tmp_path: Path) -> None:
    db = double_coded_demo(tmp_path)
    app = make_app(str(db), coder="sri")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("A")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, AgreementScreen)
        assert screen.coders == ("resa", "dewi")
        assert [(d.ordinal, d.code) for d in screen.items] == [
            (8, "Empowering/Product innovation and quality"),
            (14, "Obstacles/Access to information"),
            (18, "Empowering/Digital marketing"),
            (20, "Protecting/Protection from unequal competition"),
            (22, "Enabling/Programme design and community involvement"),
        ]
        assert "5 disagreements, 0 decided" in screen.sub_title
        # the figures: one row per code both coders used, then the pooled overall row
        assert screen.query_one("#agreement-figures").row_count == 17
        for key in ("n", "a", "b", "down", "2"):  # 8: neither, 14: resa, 18: dewi, skip 20, 22
            await pilot.press(key)
            await pilot.pause()
        assert "5 disagreements, 4 decided" in screen.sub_title
    assert decisions(db) == [("sri", 8, "neither"), ("sri", 14, "resa"), ("sri", 18, "dewi"),
                             ("sri", 22, "both")]  # fmt: skip
    assert consensus(db) == [
        (14, "Obstacles/Access to information", 1, None),
        (18, "Empowering/Digital marketing", 1, "Minimarket shelf as a sales channel."),
        (22, "Enabling/Programme design and community involvement", 1,
         "Wants a say in the design."),
    ]  # fmt: skip


async def test_copy_agreed_and_switch_unit(tmp_path: Path) -> None:
    db = double_coded_demo(tmp_path)
    app = make_app(str(db), coder="sri")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("A", "g", "u")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, AgreementScreen) and screen.unit == "character"
        assert "characters" in screen.sub_title
    agreed = sql(db, "SELECT COUNT(*) FROM coding cd JOIN coder k ON k.id = cd.coder_id "
                     "WHERE k.name = 'consensus'")  # fmt: skip
    assert agreed == [(15,)]  # the 15 (segment, code) pairs both applied


async def test_command_palette_opens_the_agreement_screen(tmp_path: Path) -> None:
    db = double_coded_demo(tmp_path)
    app = make_app(str(db), coder="sri")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"agreement")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, AgreementScreen)


async def test_blind_mode_hides_other_coders_and_the_comparison(tmp_path: Path) -> None:
    db = double_coded_demo(tmp_path)
    assert run("blind", "on", "--supervisor", "sri", db=db).exit_code == 0
    app = make_app(str(db), coder="dewi")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("A")
        await pilot.pause()
        assert not isinstance(app.screen, AgreementScreen)  # refused to a coder
        await pilot.press("x")
        await pilot.pause()
        matrix = app.screen
        assert isinstance(matrix, MatrixScreen) and matrix.table is not None
        rows = {r.label: r.cells for r in matrix.table.rows}
        # dewi coded only Hadi Sutrisno; resa's codings of everyone else stay hidden
        assert all(not any(cells) for label, cells in rows.items() if label != "Hadi Sutrisno")
        assert rows["Hadi Sutrisno"] == [3, 5, 2, 5]
        await pilot.press("escape", "t")
        await pilot.pause()
        assert isinstance(app.screen, TriangulationScreen)
        assert app.screen.result.coder == "dewi"
    app = make_app(str(db), coder="sri")  # the supervisor compares while blind
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("A")
        await pilot.pause()
        assert isinstance(app.screen, AgreementScreen)
    assert run("blind", "off", db=db).exit_code == 0
    app = make_app(str(db), coder="dewi")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("x")
        await pilot.pause()
        matrix = app.screen
        assert isinstance(matrix, MatrixScreen) and matrix.table is not None
        rows = {r.label: r.cells for r in matrix.table.rows}
        assert any(rows["Komarudin"])  # resa's codings are visible again


def test_agreement_screen_snapshot(snap_compare, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """You should see the Agreement screen for resa (A) vs dewi (B): the sub-title "resa (A) vs
    dewi (B) · segments · 1 compared sources · 5 disagreements, 0 decided", a table of codes with
    units 22, agree %, kappa, alpha and a coloured flag (Product innovation 95.5 0.645 0.650
    unreliable), and below it the five disagreements on the left, the first one (hadi-sutrisno
    #8, Product innovation and quality) on the right with the turn's text and the two sides:
    "A: resa  applied it to the whole segment  magnitude -2" and "B: dewi  did not apply it"."""
    db = double_coded_demo(tmp_path)
    assert snap_compare(make_app(str(db), coder="sri"), terminal_size=(120, 36), press=["A"])


async def test_review_mode_reads_agreement_and_keeps_blind_mode(tmp_path: Path) -> None:
    """A reviewer browses the Agreement screen without its decision keys, is offered no
    Suggestions queue, and while blind mode is on sees every coder only as a named supervisor."""
    db = double_coded_demo(tmp_path)
    before = sql(db, "SELECT COUNT(*) FROM coding")
    app = make_app(str(db), coder="prof", review=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("S")  # the Suggestions queue codes: absent in review mode
        await pilot.pause()
        assert not app.check_action("suggestions", ())
        await pilot.press("A")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, AgreementScreen)
        enabled = {
            b.binding.action.split("(")[0] for b in screen.active_bindings.values() if b.enabled
        }
        assert not {"accept", "accept_agreed"} & enabled
        await pilot.press("a", "b", "2", "n", "g")
        await pilot.pause()
    assert sql(db, "SELECT COUNT(*) FROM coding") == before
    assert sql(db, "SELECT COUNT(*) FROM audit_log WHERE action = 'adjudicate'") == [(0,)]

    assert run("blind", "on", "--supervisor", "prof", db=db).exit_code == 0
    for reviewer, shown in (("prof", None), ("dewi", "dewi")):
        app = make_app(str(db), coder=reviewer, review=True)
        async with app.run_test(size=SIZE):
            assert app.shown_coder == shown
