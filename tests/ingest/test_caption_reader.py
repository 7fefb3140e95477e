"""Caption files (.vtt, .srt) rendered as `[hh:mm:ss] Speaker: text` transcripts."""

from __future__ import annotations

import codecs
import time
from pathlib import Path

import pytest

from qualcode.core.errors import InputError
from qualcode.ingest.readers import ParsedSource, read_source

VOICES = """\
WEBVTT - Interview with Ratna
Kind: captions

NOTE recorded at the Diskopindag office

STYLE
::cue(.loud) { color: red }

intro
00:00:01.000 --> 00:00:04.000 align:start
<v Interviewer>What does the department <i>do</i>?</v>

00:00:04.500 --> 00:00:09.000
<v.loud Ratna Kurniasih>We run <c.highlight>training</c> &amp;
coaching<00:00:07.000> for MSME actors.

00:00:09.000 --> 00:00:12.000
<v Ratna Kurniasih>Twice a year.

00:00:12.000 --> 00:00:15.000
<v Interviewer>Is it enough?
<v Ratna Kurniasih>Not yet.

01:02:03.000 --> 01:02:05.000
<v Interviewer>Thank you &lt;3
"""

ZOOM = """\
WEBVTT

1
00:00:01.120 --> 00:00:04.500
Kurnia Supartina: Good morning, everyone.

2
00:00:04.500 --> 00:00:08.000
Kurnia Supartina: The cooperative has forty members.

3
00:00:08.200 --> 00:00:10.000
Ach. Resa Fachrizi: How many are active?

4
00:00:10.100 --> 00:00:12.000
Kurnia Supartina: About half.
"""

SRT = """\
1
00:00:01,000 --> 00:00:03,500
{\\an8}<i>Interviewer:</i> Hello, Ibu Siti.

2
00:00:03,600 --> 00:00:06,000
Siti Aminah: Hello.
I sell batik.

3
00:00:06,500 --> 00:00:08,000
Siti Aminah: Since 2015.

4
00:00:09,000 --> 00:00:10,000
<b>Traffic noise</b>
"""


def write(tmp_path: Path, name: str, data: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8", newline="")
    else:
        path.write_bytes(data)
    return path


def segments(parsed: ParsedSource) -> list[tuple[str | None, str | None, str]]:
    return [(s.speaker, s.timestamp, parsed.text[s.start : s.end]) for s in parsed.segments]


def test_vtt_voice_tags(tmp_path: Path) -> None:
    parsed = read_source(write(tmp_path, "ratna.vtt", VOICES))
    assert parsed.warnings == []
    assert parsed.text == (
        "[00:00:01] Interviewer: What does the department do?\n\n"
        "[00:00:04] Ratna Kurniasih: We run training & coaching for MSME actors. Twice a year.\n\n"
        "[00:00:12] Interviewer: Is it enough?\n\n"
        "[00:00:12] Ratna Kurniasih: Not yet.\n\n"
        "[01:02:03] Interviewer: Thank you <3\n"
    )
    assert segments(parsed) == [
        ("Interviewer", "00:00:01", "What does the department do?"),
        (
            "Ratna Kurniasih",
            "00:00:04",
            "We run training & coaching for MSME actors. Twice a year.",
        ),
        ("Interviewer", "00:00:12", "Is it enough?"),
        ("Ratna Kurniasih", "00:00:12", "Not yet."),
        ("Interviewer", "01:02:03", "Thank you <3"),
    ]


def test_vtt_zoom_names_and_merged_cues(tmp_path: Path) -> None:
    parsed = read_source(write(tmp_path, "zoom.vtt", ZOOM))
    assert parsed.text == (
        "[00:00:01] Kurnia Supartina: Good morning, everyone. "
        "The cooperative has forty members.\n\n"
        "[00:00:08] Ach. Resa Fachrizi: How many are active?\n\n"
        "[00:00:10] Kurnia Supartina: About half.\n"
    )
    assert [(s, t) for s, t, _ in segments(parsed)] == [
        ("Kurnia Supartina", "00:00:01"),
        ("Ach. Resa Fachrizi", "00:00:08"),
        ("Kurnia Supartina", "00:00:10"),
    ]


def test_vtt_sentence_mode(tmp_path: Path) -> None:
    parsed = read_source(write(tmp_path, "zoom.vtt", ZOOM), "sentence")
    assert segments(parsed)[:2] == [
        ("Kurnia Supartina", "00:00:01", "Good morning, everyone."),
        ("Kurnia Supartina", "00:00:01", "The cooperative has forty members."),
    ]


def test_srt(tmp_path: Path) -> None:
    parsed = read_source(write(tmp_path, "siti.srt", SRT.replace("\n", "\r\n")))
    assert parsed.warnings == []
    assert parsed.text == (
        "[00:00:01] Interviewer: Hello, Ibu Siti.\n\n"
        "[00:00:03] Siti Aminah: Hello. I sell batik. Since 2015.\n\n"
        "[00:00:09] Traffic noise\n"
    )
    assert segments(parsed) == [
        ("Interviewer", "00:00:01", "Hello, Ibu Siti."),
        ("Siti Aminah", "00:00:03", "Hello. I sell batik. Since 2015."),
        (None, "00:00:09", "Traffic noise"),
    ]


def test_captions_without_speakers_keep_one_turn_per_cue(tmp_path: Path) -> None:
    vtt = "WEBVTT\n\n00:01.000 --> 00:02.000\nFirst cue.\n\n00:02.000 --> 00:03.000\nSecond.\n"
    parsed = read_source(write(tmp_path, "plain.vtt", vtt))
    assert segments(parsed) == [(None, "00:00:01", "First cue."), (None, "00:00:02", "Second.")]
    assert parsed.warnings == []  # timestamped turns are turns


@pytest.mark.parametrize(
    ("bom", "encoding"),
    [
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ],
)
def test_caption_encodings(tmp_path: Path, bom: bytes, encoding: str) -> None:
    data = bom + ZOOM.replace("\n", "\r\n").encode(encoding.removesuffix("-sig"))
    parsed = read_source(write(tmp_path, "zoom.vtt", data))
    assert parsed.encoding == encoding
    assert parsed.text.startswith("[00:00:01] Kurnia Supartina: Good morning")


def test_cp1252_srt_warns(tmp_path: Path) -> None:
    srt = "1\n00:00:01,000 --> 00:00:02,000\nJosé: Café.\n"
    parsed = read_source(write(tmp_path, "old.srt", srt.encode("cp1252")))
    assert parsed.encoding == "cp1252"
    assert parsed.warnings and "Windows-1252" in parsed.warnings[0]
    assert segments(parsed) == [("José", "00:00:01", "Café.")]


def test_unusable_voice_names_are_rewritten_with_a_warning(tmp_path: Path) -> None:
    vtt = (
        "WEBVTT\n\n00:01.000 --> 00:02.000\n<v Maria Fernanda de la Cruz Oliveira>Hello.\n\n"
        "00:02.000 --> 00:03.000\n<v 2>Hi.\n\n"
        "00:03.000 --> 00:04.000\n<v (((>Who?\n"
    )
    parsed = read_source(write(tmp_path, "names.vtt", vtt))
    assert segments(parsed) == [
        ("Maria Fernanda de la Cruz", "00:00:01", "Hello."),
        ("Speaker 2", "00:00:02", "Hi."),
        (None, "00:00:03", "Who?"),
    ]
    assert parsed.warnings == [
        "speaker name 'Maria Fernanda de la Cruz Oliveira' written as 'Maria Fernanda de la Cruz'",
        "speaker name '2' written as 'Speaker 2'",
        "speaker name '(((' cannot be used as a speaker prefix; left out",
    ]


def test_cues_with_bad_times_are_skipped_with_a_warning(tmp_path: Path) -> None:
    vtt = "WEBVTT\n\n00:01.000 --> 00:02.000\nKept.\n\n00:0x.000 --> 00:03.000\nLost.\n"
    parsed = read_source(write(tmp_path, "bad.vtt", vtt))
    assert [t for _, _, t in segments(parsed)] == ["Kept."]
    assert parsed.warnings == ["1 caption cue(s) skipped: unreadable times or no text"]


def assert_input_error(path: Path, reason: str) -> None:
    with pytest.raises(InputError) as info:
        read_source(path)
    assert str(info.value) == f"{path}: {reason}"


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("garbage.vtt", "hello, this is not a caption file", "not a valid WebVTT file"),
        ("garbage.srt", "hello\nthis is not\nan srt file", "not a valid SRT file"),
        ("header-only.vtt", "WEBVTT\n\nNOTE nothing here\n", "no captions found"),
        ("bad-times.vtt", "WEBVTT\n\n00:0x.000 --> 00:02.000\nLost.\n", "no captions found"),
        ("no-text.srt", "1\n00:00:01,000 --> 00:00:02,000\n<i></i>\n", "no captions found"),
        ("empty.vtt", "", "file is empty"),
        ("binary.srt", b"\x00\x01\x02garbage\x00", "binary file, not a transcript"),
    ],
)
def test_bad_captions(tmp_path: Path, name: str, data: str | bytes, reason: str) -> None:
    path = write(tmp_path, name, data)
    with pytest.raises(InputError) as info:
        read_source(path)
    assert str(info.value).startswith(f"{path}: {reason}")


def test_a_long_zoom_monologue_reads_quickly(tmp_path: Path) -> None:
    cues = "".join(
        f"{i}\n00:{i // 6000 % 60:02d}:{i // 100 % 60:02d}.000 --> 00:59:59.000\n"
        f"Kurnia Supartina: {'kata ' * 10}\n\n"
        for i in range(1, 20_001)
    )
    path = write(tmp_path, "long.vtt", "WEBVTT\n\n" + cues)
    started = time.perf_counter()
    parsed = read_source(path)
    # Not a speed figure (that is tests/bench): a guard against quadratic merging, which would
    # take minutes here.
    assert time.perf_counter() - started < 30.0
    assert len(parsed.segments) == 1
    assert parsed.segments[0].speaker == "Kurnia Supartina"
