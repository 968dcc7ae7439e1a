"""Inline suppression: every comment syntax, the line before, wrong codes, unused ones."""

from __future__ import annotations

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
    parse_line,
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
    def read_lines(path: str) -> list[str] | None:
        return files[path].split("\n") if path in files else None

    return apply_suppressions(findings, read_lines, KNOWN)


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


def test_unreadable_file_suppresses_nothing() -> None:
    finding = latent("gone.py", 2)
    assert suppress([finding], {}) == Suppressed((finding,), 0, ())


def test_comments_in_files_without_findings_are_not_read() -> None:
    read: list[str] = []

    def read_lines(path: str) -> list[str]:
        read.append(path)
        return ["# portscan: ignore[PS002]", "x"]

    apply_suppressions([latent("a.py", 2, ("b.py", 1), ("a.py", 9))], read_lines, KNOWN)
    assert read == ["a.py", "b.py"]


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
