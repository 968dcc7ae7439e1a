"""The per-file time limit, where extraction work can grow faster than its input.

A scan gives every file a deadline (config ``max-file-time``, carried in
``ExtractOptions.deadline``). Most extractors do work linear in their input and never
look at it. The work that can explode on adversarial input checks it: tree-sitter's
parser (whose error recovery is super-linear on some inputs) stops reading at the
deadline, query matching over a large tree runs in slices with a check between them, and
the Python tree walk checks every few thousand nodes. Past the deadline they raise
:class:`TimeLimitExceeded`; the caller turns it into the file's ``parse-error`` and does
not cache it, so a file that was only slow on a busy machine is read again next time.

In a parallel scan a worker that stays on one file well past the deadline (work that
never checks it) is also stopped from outside: see ``portscan.extract``.
"""

from __future__ import annotations

import time


class TimeLimitExceeded(Exception):  # noqa: N818 - a limit, not an error of the input
    """A file's extraction ran past its deadline."""


def check(deadline: float | None) -> None:
    """Raise :class:`TimeLimitExceeded` when ``deadline`` has passed."""
    if deadline is not None and time.monotonic() > deadline:
        raise TimeLimitExceeded


__all__ = ["TimeLimitExceeded", "check"]
