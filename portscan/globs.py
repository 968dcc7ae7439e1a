"""Config globs, relative to the scan root: ``**`` spans folders, ``*`` and ``?`` do not.

``services/api/**`` matches every file below ``services/api``; ``*.yml`` matches only
at the root; ``**/*.yml`` at any depth. Globs are compiled once into one regex.
"""

from __future__ import annotations

import re
from collections.abc import Sequence


class GlobError(ValueError):
    """A glob that cannot be compiled; the message says why."""


def _translate(glob: str) -> str:
    if not glob:
        raise GlobError("empty glob")
    if glob.startswith("/") or re.match(r"^[A-Za-z]:", glob):
        raise GlobError(f"glob {glob!r} must be relative to the root")
    if ".." in glob.split("/"):
        raise GlobError(f"glob {glob!r} must not leave the root")
    out: list[str] = []
    i = 0
    while i < len(glob):
        char = glob[i]
        if glob.startswith("**/", i):
            out.append("(?:[^/]+/)*")
            i += 3
        elif glob.startswith("**", i):
            out.append(".*")
            i += 2
        elif char == "*":
            out.append("[^/]*")
            i += 1
        elif char == "?":
            out.append("[^/]")
            i += 1
        elif char == "[":
            end = glob.find("]", i + 2 if glob[i + 1 : i + 2] in ("!", "]") else i + 1)
            if end == -1:
                raise GlobError(f"glob {glob!r} has an unclosed '['")
            body = glob[i + 1 : end]
            if body.startswith("!"):
                body = "^" + body[1:]
            out.append(f"[{body}]")
            i = end + 1
        else:
            out.append(re.escape(char))
            i += 1
    return "".join(out)


def compile_globs(globs: Sequence[str]) -> re.Pattern[str]:
    """One regex that matches a POSIX relative path if any glob does.

    A glob naming a folder (``legacy`` or ``legacy/``) also matches what is below it.
    """
    parts = []
    for glob in globs:
        body = _translate(glob.rstrip("/") or glob)
        parts.append(f"{body}(?:/.*)?")
    if not parts:
        return re.compile(r"(?!)")
    try:
        return re.compile("^(?:" + "|".join(parts) + ")$")
    except re.error as exc:
        raise GlobError(f"bad glob: {exc}") from None
