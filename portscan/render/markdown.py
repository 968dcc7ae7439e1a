"""Markdown: the pull-request report (``portscan report``) and ``scan --format markdown``.

The report, for a comment or a job summary::

    :x: **portscan**: 1 new finding (1 error) against `main`; 1 fixed, 6 unchanged.

    ### New findings (1)

    - **PS001 active-collision** (error) at [compose.yml:7](compose.yml#L7): port 8080 ...

    ### Fixed findings (1)
    ...
    ### Ports of the services this change touches
    | service | host | port | via | where set |
    ...
    ```mermaid
    flowchart LR
    ...

New findings link to their lines in the work tree (``[path:line](path#Lline)``, paths
relative to the repository). Fixed findings name lines of the base, which may no longer
exist: they are plain text. The whole report fits GitHub's comment limit (65,536
characters): sections are cut at whole list items and whole table rows, never inside a
table or the drawing, and a note says what was left out.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from urllib.parse import quote

from portscan.audit import DEFAULT_HOST, PortRow
from portscan.model import Finding, Location, ScanResult, Severity
from portscan.render import graph_mermaid, notes
from portscan.render.base import RenderOptions
from portscan.render.ports_text import via_label
from portscan.render.table import port_label
from portscan.render.text import summary
from portscan.report import PullRequestReport

#: GitHub's limit for an issue or pull-request comment, in characters.
GITHUB_COMMENT_LIMIT = 65_536
#: Kept free for the "... and N more" lines and the closing note when cutting.
_RESERVE = 1_000
_SPECIAL = str.maketrans({c: "\\" + c for c in "\\`*_[]<>|"})
_SEVERITIES = (Severity.ERROR, Severity.WARNING, Severity.INFO)


def text(value: str) -> str:
    """``value`` as literal Markdown text: emphasis, code, link and HTML characters
    escaped."""
    return value.translate(_SPECIAL)


def link(location: Location, prefix: str = "") -> str:
    """``[path:line](prefix/path#Lline)``: a link GitHub resolves in the repository."""
    target = quote(f"{prefix}{location.path}", safe="/-._~")
    return f"[{text(f'{location.path}:{location.line}')}]({target}#L{location.line})"


def place(location: Location, prefix: str, links: bool) -> str:
    return link(location, prefix) if links else f"`{location.path}:{location.line}`"


def finding_item(finding: Finding, prefix: str = "", links: bool = True) -> str:
    """One finding as a list item: code, name, severity, where, message, related places."""
    where = ""
    if finding.locations:
        where = f" at {place(finding.locations[0], prefix, links)}"
    item = (
        f"- **{finding.code} {finding.name}** ({finding.severity.value}){where}: "
        f"{text(finding.message)}"
    )
    related = [place(location, prefix, links) for location in finding.locations[1:]]
    if related:
        item += f" (also: {', '.join(related)})"
    return item


def _counted(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _severity_counts(findings: Sequence[Finding]) -> str:
    counts = Counter(finding.severity for finding in findings)
    parts = [
        f"{counts[s]} {s.value}" if s is Severity.INFO else _counted(counts[s], s.value)
        for s in _SEVERITIES
        if counts[s]
    ]
    return ", ".join(parts)


def verdict(report: PullRequestReport) -> str:
    """The first line: whether the change adds findings, and the counts."""
    ref = report.base.replace("`", "'")
    if report.failing:
        icon = ":x:"
    elif report.new:
        icon = ":warning:"
    else:
        icon = ":white_check_mark:"
    if report.new:
        added = f"{_counted(len(report.new), 'new finding')} ({_severity_counts(report.new)})"
    else:
        added = "no new findings"
    rest = f"{len(report.fixed)} fixed, {report.unchanged} unchanged"
    return f"{icon} **portscan**: {added} against `{ref}`; {rest}."


class _Page:
    """Lines of Markdown under a character budget; what does not fit is counted."""

    def __init__(self, limit: int) -> None:
        self.lines: list[str] = []
        self.size = 0
        self.budget = limit - _RESERVE
        self.cut = False

    def fits(self, block: str) -> bool:
        return self.size + len(block) + 1 <= self.budget

    def add(self, block: str, force: bool = False) -> bool:
        """Append ``block`` (one or more lines) if it fits, or when forced (a note that
        the reserve pays for)."""
        if not force and not self.fits(block):
            self.cut = True
            return False
        self.lines.append(block)
        self.size += len(block) + 1
        return True

    def items(self, heading: str, items: Sequence[str], noun: str) -> None:
        """A heading and list items, cut at a whole item with a count of the rest."""
        if not items:
            return
        if not self.add(f"\n{heading}\n"):
            self.add(f"\n_{_counted(len(items), noun)} left out._", force=True)
            return
        for index, item in enumerate(items):
            if not self.add(item):
                self.add(f"- _... and {len(items) - index} more {noun}s_", force=True)
                return

    def table(self, heading: str, header: str, rows: Sequence[str], noun: str) -> None:
        """A heading and a table, cut at a whole row; the note about the rest sits after
        a blank line, so it is not read as another row."""
        if not rows:
            return
        if not self.add(f"\n{heading}\n\n{header}"):
            self.add(f"\n_{_counted(len(rows), noun)} left out._", force=True)
            return
        for index, row in enumerate(rows):
            if not self.add(row):
                self.add(f"\n_... and {len(rows) - index} more {noun}s_", force=True)
                return

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


def port_row(row: PortRow, prefix: str) -> str:
    places = ", ".join(link(location, prefix) for location in row.locations)
    cells = [
        text(row.service),
        text(row.host or DEFAULT_HOST),
        port_label(row.port, row.protocol),
        text(via_label(row)),
        places,
    ]
    return "| " + " | ".join(cells) + " |"


def drawing(report: PullRequestReport, options: RenderOptions) -> str:
    return f"```mermaid\n{graph_mermaid.render(report.touched, options)}```"


def render_report(
    report: PullRequestReport,
    options: RenderOptions | None = None,
    limit: int = GITHUB_COMMENT_LIMIT,
) -> str:
    """The pull-request report, at most ``limit`` characters long."""
    options = options or RenderOptions()
    page = _Page(limit)
    page.add(verdict(report), force=True)
    prefix = report.prefix
    page.items(
        f"### New findings ({len(report.new)})",
        [finding_item(f, prefix) for f in report.new],
        "new finding",
    )
    page.items(
        f"### Fixed findings ({len(report.fixed)})",
        [finding_item(f, prefix, links=False) for f in report.fixed],
        "fixed finding",
    )
    if report.unchanged:
        page.add(f"\n{_counted(report.unchanged, 'finding')} unchanged (also in `{report.base}`).")
    if report.rows:
        page.table(
            "### Ports of the services this change touches",
            "| service | host | port | via | where set |\n|---|---|---|---|---|",
            [port_row(row, prefix) for row in report.rows],
            "row",
        )
        graph = drawing(report, options)
        if not page.add(f"\n{graph}"):
            page.add("\n_The drawing of these services is left out._", force=True)
    else:
        page.add("\nThis change touches no service's ports.")
    if page.cut:
        page.add(
            "\n_This report was cut to fit GitHub's comment limit; run "
            f"`portscan report --base {report.base}` for all of it._",
            force=True,
        )
    return page.text()


def note_items(result: ScanResult) -> Iterable[str]:
    yield from (f"- {text(line)}" for line in notes.text_lines(result))


def render(result: ScanResult, options: RenderOptions) -> str:
    """``scan --format markdown``: the summary, the findings with links, the notes."""
    page = _Page(GITHUB_COMMENT_LIMIT)
    page.add(f"**portscan**: {summary(result)}", force=True)
    page.items("### Findings", [finding_item(f) for f in result.findings], "finding")
    page.items("### Notes", list(note_items(result)), "note")
    if page.cut:
        page.add("\n_Cut to fit GitHub's comment limit; use `--format json` for all._", force=True)
    return page.text()
