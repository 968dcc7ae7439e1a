"""Inline suppression: every comment syntax, the line before, wrong codes, unused ones."""

from __future__ import annotations

import marshal
from collections.abc import Sequence
from pathlib import Path

import pytest
from cli_trees import run as run_cli

from portscan.analyze import FINDINGS
from portscan.model import Finding, Location, Severity, make_finding
from portscan.suppress import (
    Suppressed,
    Suppression,
    UnusedSuppression,
    apply_suppressions,
    find_in_text,
    from_plain,
    parse_line,
    to_plain,
)

KNOWN = {rule.CODE: rule.NAME for rule in FINDINGS}


def latent(path: str, line: int, *related: tuple[str, int]) -> Finding:
    locations = (Location(path, line, 5), *(Location(p, n, 1) for p, n in related))
    return make_finding(
        "PS002",
        "latent-collision",
        Severity.WARNING,
        "port 3025 is shared",
        port=3025,
        services=("a", "b"),
        hosts=(),
        locations=locations,
    )


def suppress(findings: Sequence[Finding], files: dict[str, str]) -> Suppressed:
    comments = {path: find_in_text(path, text) for path, text in files.items()}
    return apply_suppressions(findings, comments, KNOWN)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "PORT = 3025  # portscan: ignore[latent-collision]",
            ("latent-collision",),
            id="hash",
        ),
        pytest.param(
            "const port = 3025; // portscan: ignore[PS002]", ("PS002",), id="double-slash"
        ),
        pytest.param("/* portscan: ignore[PS002] */", ("PS002",), id="block-comment"),
        pytest.param(
            "<!-- portscan: ignore[latent-collision] -->", ("latent-collision",), id="html"
        ),
        pytest.param("; portscan: ignore[PS002]", ("PS002",), id="semicolon"),
        pytest.param("-- portscan: ignore[PS002]", ("PS002",), id="double-dash"),
        pytest.param(
            "# portscan: ignore[PS001, latent-collision]",
            ("PS001", "latent-collision"),
            id="several",
        ),
        pytest.param("#portscan:ignore[ps002]", ("ps002",), id="no-spaces-lower-case"),
        pytest.param("# noqa: E501 portscan: ignore[PS002]", ("PS002",), id="after-other-text"),
        pytest.param("# portscan: ignore", (), id="bare"),
        pytest.param("# portscan: ignore[]", (), id="empty-brackets"),
    ],
)
def test_parse_line_finds_the_codes(text: str, expected: tuple[str, ...]) -> None:
    suppression = parse_line("f", 3, text)
    assert suppression is not None
    assert (suppression.path, suppression.line, suppression.codes) == ("f", 3, expected)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("PORT = 3025", id="no-marker"),
        pytest.param('help = "portscan: ignore[PS002]"', id="in-a-string"),
        pytest.param("Write `# portscan: ignore[PS002]` on the line.", id="quoted-in-prose"),
        pytest.param("# portscan: ignored this once", id="ignored-is-not-ignore"),
        pytest.param("# portscanner: ignore[PS002]", id="other-tool"),
    ],
)
def test_parse_line_ignores_what_is_no_suppression(text: str) -> None:
    assert parse_line("f", 1, text) is None


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        pytest.param("# portscan: ignore[PS002] -- gpu box only", "gpu box only", id="hash"),
        pytest.param("<!-- portscan: ignore[PS005] -- old page -->", "old page", id="html"),
        pytest.param("/* portscan: ignore[PS002] -- known */", "known", id="block"),
        pytest.param("# portscan: ignore[PS002]", None, id="none"),
        pytest.param("# portscan: ignore[PS002] --", None, id="empty"),
    ],
)
def test_reason_after_double_dash(text: str, reason: str | None) -> None:
    suppression = parse_line("f", 1, text)
    assert suppression is not None
    assert suppression.reason == reason


@pytest.mark.parametrize(
    ("lines", "kept", "unused"),
    [
        pytest.param(
            {2: "PORT = 3025  # portscan: ignore[latent-collision]"}, 0, [], id="same-line"
        ),
        pytest.param({1: "# portscan: ignore[PS002] -- reason"}, 0, [], id="line-before"),
        pytest.param(
            {3: "# portscan: ignore[PS002]"},
            1,
            [
                UnusedSuppression(
                    "a.py", 3, ("PS002",), "portscan: ignore[PS002] silences nothing here"
                )
            ],
            id="line-after-does-not-count",
        ),
        pytest.param(
            {2: "PORT = 3025  # portscan: ignore[active-collision]"},
            1,
            [
                UnusedSuppression(
                    "a.py",
                    2,
                    ("active-collision",),
                    "portscan: ignore[active-collision] silences nothing here",
                )
            ],
            id="wrong-code",
        ),
        pytest.param(
            {2: "PORT = 3025  # portscan: ignore[latnet-collision]"},
            1,
            [
                UnusedSuppression(
                    "a.py", 2, ("latnet-collision",), "'latnet-collision' names no finding"
                )
            ],
            id="misspelt-name",
        ),
        pytest.param(
            {2: "PORT = 3025  # portscan: ignore"},
            1,
            [
                UnusedSuppression(
                    "a.py",
                    2,
                    (),
                    "'portscan: ignore' needs the findings it silences: portscan: ignore[CODE]",
                )
            ],
            id="bare-silences-nothing",
        ),
        pytest.param(
            {2: "PORT = 3025  # portscan: ignore[PS002, PS004]"},
            0,
            [
                UnusedSuppression(
                    "a.py", 2, ("PS004",), "portscan: ignore[PS004] silences nothing here"
                )
            ],
            id="part-of-a-list-unused",
        ),
        pytest.param(
            {2: "PORT = 3025  # portscan: ignore[ps002]"}, 0, [], id="code-case-insensitive"
        ),
        pytest.param({}, 1, [], id="no-comment"),
    ],
)
def test_suppression_on_the_primary_location(
    lines: dict[int, str], kept: int, unused: list[UnusedSuppression]
) -> None:
    text = "\n".join(lines.get(number, "") for number in range(1, 5))
    result = suppress([latent("a.py", 2)], {"a.py": text})
    assert (len(result.kept), result.silenced, list(result.unused)) == (kept, 1 - kept, unused)


def test_any_location_of_a_finding_counts() -> None:
    finding = latent("a.py", 2, ("deploy/b.sh", 7))
    files = {"a.py": "x\nPORT = 3025\n", "deploy/b.sh": "\n" * 5 + "# portscan: ignore[PS002]\n"}
    assert suppress([finding], files) == Suppressed((), 1, ())


def test_one_comment_silences_every_finding_it_names() -> None:
    findings = [latent("a.py", 2), latent("a.py", 2, ("b.py", 1))]
    assert suppress(findings, {"a.py": "# portscan: ignore[PS002]\nx\n", "b.py": ""}).silenced == 2


def test_a_file_without_comments_suppresses_nothing() -> None:
    finding = latent("gone.py", 2)
    assert suppress([finding], {}) == Suppressed((finding,), 0, ())


def test_comments_in_files_without_findings_are_not_judged() -> None:
    finding = latent("a.py", 2, ("b.py", 1))
    files = {"a.py": "x\ny\n", "c.py": "# portscan: ignore[PS002]\n# portscan: ignore\n"}
    assert suppress([finding], files) == Suppressed((finding,), 0, ())


@pytest.mark.parametrize(
    ("text", "lines"),
    [
        pytest.param("a\n# portscan: ignore[PS002]\n", [2], id="lf"),
        pytest.param("a\r\n\r\n# portscan: ignore[PS002]\r\n", [3], id="crlf"),
        pytest.param("a\rb\r# portscan: ignore[PS002]", [3], id="cr"),
        pytest.param("# portscan: ignore[PS001]\nx\n// portscan: ignore\n", [1, 3], id="two"),
        pytest.param("port = 3025\n", [], id="none"),
    ],
)
def test_find_in_text_counts_lines_as_extractors_do(text: str, lines: list[int]) -> None:
    assert [s.line for s in find_in_text("f.py", text)] == lines


def test_plain_suppressions_round_trip_through_marshal() -> None:
    """The form the cache stores (and a worker sends) gives the same suppressions back."""
    found = find_in_text("f.py", "x\n# portscan: ignore[PS001, PS002] -- why\n# portscan: ignore\n")
    plain = marshal.loads(marshal.dumps(to_plain(found)))
    assert from_plain("f.py", plain) == found
    assert found[0] == Suppression("f.py", 2, ("PS001", "PS002"), "why")


def test_suppression_record_keeps_its_reason() -> None:
    assert parse_line("a", 1, "# portscan: ignore[PS001] -- two nics") == Suppression(
        "a", 1, ("PS001",), "two nics"
    )


COMPOSE = """\
services:
  web:
    ports:
      - "8080:80"
  api:
    ports:
{comment}      - "8080:3000"
"""


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    """The exit code and stdout of ``portscan ARGS``."""
    code, out, _ = run_cli(capsys, *args)
    return code, out


@pytest.mark.parametrize(
    ("comment", "code", "expected"),
    [
        pytest.param(
            "      # portscan: ignore[active-collision] -- api moves next sprint\n",
            0,
            "No findings; 1 file scanned; 1 suppressed.\n",
            id="suppressed",
        ),
        pytest.param(
            "      # portscan: ignore[PS001, PS002]\n",
            0,
            "docker-compose.yml:7: unused suppression: portscan: ignore[PS002] silences nothing"
            " here\n\nNo findings; 1 file scanned; 1 suppressed.\n",
            id="partly-unused",
        ),
        pytest.param(
            "      # portscan: ignore[latent-collision]\n",
            1,
            "docker-compose.yml:8:10: PS001 active-collision [error] port 8080/tcp is bound twice"
            " on host docker-compose.yml: web (publish, docker-compose.yml:4) and api (publish,"
            " docker-compose.yml:8)\n"
            "    also: docker-compose.yml:4:10\n\n"
            "docker-compose.yml:7: unused suppression: portscan: ignore[latent-collision]"
            " silences nothing here\n\n"
            "1 finding (1 error); 1 file scanned.\n",
            id="wrong-code",
        ),
    ],
)
def test_scan_applies_suppressions(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    comment: str,
    code: int,
    expected: str,
) -> None:
    (tmp_path / "docker-compose.yml").write_text(COMPOSE.format(comment=comment))
    assert run(capsys, "scan", str(tmp_path), "--no-color") == (code, expected)


def test_scan_json_lists_unused_suppressions(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    (tmp_path / "docker-compose.yml").write_text(
        COMPOSE.format(comment="      # portscan: ignore[PS001, PS002]\n")
    )
    code, out = run(capsys, "scan", str(tmp_path), "--format", "json")
    document = json.loads(out)
    assert (code, document["findings"], document["unused_suppressions"]) == (
        0,
        [],
        [
            {
                "path": "docker-compose.yml",
                "line": 7,
                "codes": ["PS002"],
                "message": "portscan: ignore[PS002] silences nothing here",
            }
        ],
    )
    assert (document["stats"]["suppressed"], document["stats"]["baselined"]) == (1, 0)


def test_suppression_is_applied_before_the_selection(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A comment for a finding that --select leaves out still silences it: not unused."""
    (tmp_path / "docker-compose.yml").write_text(
        COMPOSE.format(comment="      # portscan: ignore[PS001]\n")
    )
    assert run(capsys, "scan", str(tmp_path), "--select", "PS002") == (
        0,
        "No findings; 1 file scanned.\n",
    )


def test_a_warm_scan_judges_suppressions_without_reading_the_tree(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The comments are cached with the facts: once the cache is warm, no file of the
    tree is opened, not even the one whose comment silences the finding."""
    import builtins
    import io
    import os

    (tmp_path / "docker-compose.yml").write_text(
        COMPOSE.format(comment="      # portscan: ignore[PS001, PS002]\n")
    )
    expected = (
        "docker-compose.yml:7: unused suppression: portscan: ignore[PS002] silences nothing"
        " here\n\nNo findings; 1 file scanned; 1 suppressed.\n"
    )
    from portscan import cache

    monkeypatch.setattr(cache, "RACY_NS", 0)  # a file written a moment ago is trusted
    folder = tmp_path.parent / f"{tmp_path.name}-cache"
    arguments = ("scan", str(tmp_path), "--no-color", "--cache-dir", str(folder))
    assert run(capsys, *arguments) == (0, expected)

    opened: list[str] = []

    def spy(opener):  # type: ignore[no-untyped-def]
        def wrapped(file, *args, **kwargs):  # type: ignore[no-untyped-def]
            opened.append(os.fsdecode(file) if isinstance(file, (str, bytes, os.PathLike)) else "")
            return opener(file, *args, **kwargs)

        return wrapped

    monkeypatch.setattr(builtins, "open", spy(builtins.open))
    monkeypatch.setattr(io, "open", spy(io.open))
    monkeypatch.setattr(os, "open", spy(os.open))
    assert run(capsys, *arguments) == (0, expected)
    assert [path for path in opened if path.startswith(str(tmp_path) + os.sep)] == []


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        pytest.param(b"PORT=1\n# portscan: ignore[PS002]\n", ((2, ("PS002",), None),), id="utf-8"),
        pytest.param(
            "PORT=1\n# portscan: ignore[PS002] -- why\n".encode("utf-16"),
            ((2, ("PS002",), "why"),),
            id="utf-16",
        ),
        pytest.param(b"PORT=1\n", (), id="no-marker"),
        pytest.param(b"\x00portscan: ignore[PS002]", (), id="binary"),
        pytest.param(b"# portscan: ignore[PS002]\n\xff\n", (), id="not-utf-8"),
    ],
)
def test_comments_are_found_in_the_bytes_a_worker_reads(
    data: bytes, expected: tuple[object, ...]
) -> None:
    from portscan.workers import suppression_comments

    assert suppression_comments("a.env", data) == expected
