"""The Upload tab's sentences: the queue in one line for the status bar, the banner
after a crash, and projects named in a list ("A, B and C")."""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import TYPE_CHECKING

from lytsite_desktop.core.sizes import format_duration, format_rate, format_size
from lytsite_desktop.core.states import SHOWS_SPEED, FileState

if TYPE_CHECKING:
    from lytsite_desktop.core.speed import SpeedMeter
    from lytsite_desktop.gui.upload.rows import Row


@dataclass(frozen=True)
class Totals:
    """The queue in numbers."""

    files: int
    done: int
    failed: int
    problems: int
    bytes: int
    bytes_done: int
    speed: float
    left: float | None
    #: Files that send nothing now: paused, waiting for the network to come back,
    #: or retrying (and why, when all of them say the same: a full disk).
    paused: int = 0
    waiting: int = 0
    retrying: int = 0
    reason: str = ""
    #: Files whose bytes leave now (states.SHOWS_SPEED): the whole has a speed only
    #: while there is one.
    sending: int = 0

    @classmethod
    def of(cls, rows: list[Row], meter: SpeedMeter, now: float | None = None) -> Totals:
        size = sum(r.size for r in rows if r.state is not FileState.CANCELLED)
        done = sum(r.bytes_done for r in rows if r.state is not FileState.CANCELLED)
        retrying = [r for r in rows if r.state is FileState.RETRYING]
        reasons = {r.detail for r in retrying}
        return cls(
            files=len(rows),
            done=sum(1 for r in rows if r.finished),
            failed=sum(1 for r in rows if r.state is FileState.FAILED),
            problems=sum(1 for r in rows if r.problem),
            bytes=size,
            bytes_done=done,
            speed=meter.rate(now),
            left=meter.eta(size - done, now),
            paused=sum(1 for r in rows if r.state is FileState.PAUSED),
            waiting=sum(1 for r in rows if r.state is FileState.WAITING_FOR_NETWORK),
            retrying=len(retrying),
            reason=reasons.pop() if len(reasons) == 1 else "",
            sending=sum(1 for r in rows if r.state in SHOWS_SPEED),
        )


def status_line(t: Totals, ready: int, elsewhere: int = 0) -> str:
    """ "3 of 12 files · 40 MiB of 120 MiB · 4.2 MiB/s, 19 s left · 1 failed";
    with nothing here, what another window or command publishes (``elsewhere``)."""
    if not t.files:
        if ready:
            return f"{ready} file{'s' if ready != 1 else ''} ready to publish"
        if elsewhere:
            files = f"{elsewhere} file{'s' if elsewhere != 1 else ''}"
            return f"Another lytsite-desktop is publishing {files}"
        return "Ready"
    parts = [
        f"{t.done} of {t.files} files",
        f"{format_size(t.bytes_done)} of {format_size(t.bytes)}",
    ]
    stalled = t.paused + t.waiting + t.retrying
    if stalled and stalled == t.files - t.done:  # nothing moves: no speed to speak of
        if t.paused == stalled:
            parts.append("paused")
        elif t.waiting == stalled:
            parts.append("waiting for the network")
        elif t.retrying == stalled:
            parts.append(f"retrying: {t.reason}" if t.reason else "retrying")
    elif t.waiting and not t.sending:  # the rest queued behind them: the network is why
        parts.append("waiting for the network")
    elif t.speed > 0 and t.sending:
        parts.append(f"{format_rate(t.speed)}, {format_duration(t.left)} left")
    if t.failed:
        parts.append(f"{t.failed} failed")
    if t.problems > t.failed:
        parts.append(f"{t.problems - t.failed} could not be read")
    return " · ".join(parts)


def interrupted_note(count: int, projects: list[str]) -> str:
    """The banner after a crash: how many uploads, of which projects (their
    titles, as the Gallery tab lists them), and that nothing is lost (what a
    resume sends again: a small file's whole body, a big file's unfinished
    parts). Rich text."""
    named = listed([f"<i>{html.escape(p)}</i>" for p in projects])
    where = f" of {named}" if named else ""
    return (
        f"<b>{count} upload{'s' if count != 1 else ''}{where} did not finish last time.</b> "
        "Nothing is lost: each carries on from its last finished part (a small file "
        "is sent again whole)."
    )


def elsewhere_note(count: int, projects: list[str]) -> str:
    """The banner while another window or command publishes files of this
    computer's journal (the window leaves them to it). Rich text."""
    named = listed([f"<i>{html.escape(p)}</i>" for p in projects])
    files = f"{count} file{'s' if count != 1 else ''}{f' of {named}' if named else ''}"
    return (
        f"<b>{files} {'are' if count != 1 else 'is'} being published by another "
        "lytsite-desktop</b> (a terminal or another window). If it stops before "
        f"{'they are' if count != 1 else 'it is'} done, you can resume here."
    )


def failed_note(count: int) -> str:
    """The status bar when files that failed last time are listed again."""
    files, them = (f"{count} files", "them") if count != 1 else ("1 file", "it")
    return (f"{files} could not be published last time (in red, with the reason): "
            f"Retry sends {them} again, Clear Finished lets {them} go.")  # fmt: skip


def listed(names: list[str]) -> str:
    """ "A", "A and B", "A, B and C"; more than three: "5 projects"."""
    if len(names) > 3:
        return f"{len(names)} projects"
    return " and ".join([", ".join(names[:-1]), names[-1]] if len(names) > 1 else names)
