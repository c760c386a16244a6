"""The log file, crash reports and fatal-error traces, all in the state folder.

- ``{state}/logs/lytsite-desktop.log``: INFO and up (DEBUG with ``--verbose``),
  rotated at 2 MiB, five files kept.
- ``{state}/crashes/crash-YYYYMMDD-HHMMSS-PID.txt``: one per unexpected
  exception (any thread): the version, the system, the traceback and the end of
  the log. Only the newest 20 are kept. Nothing is sent anywhere.
- ``{state}/logs/fatal.log``: what faulthandler writes if the process dies in C
  code (a segfault in a library), with every thread's Python stack.

Everything written passes through ``redact`` first (see core/redact.py).
"""

from __future__ import annotations

import contextlib
import faulthandler
import logging
import logging.handlers
import os
import platform
import sys
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import IO, TextIO

from lytsite_desktop import __version__
from lytsite_desktop.core.config.paths import AppPaths
from lytsite_desktop.core.config.redact import redact

LOG_FILE = "lytsite-desktop.log"
LOG_BYTES = 2 * 1024 * 1024
LOG_BACKUPS = 5
KEEP_CRASH_REPORTS = 20
#: Lines of the log copied into a crash report.
LOG_TAIL_LINES = 200
FORMAT = "%(asctime)s %(levelname)s [%(threadName)s] %(name)s: %(message)s"
#: Libraries whose DEBUG output is noise unless asked for (--verbose shows it).
CHATTY = ("botocore", "boto3", "urllib3", "s3transfer", "PIL")
#: ``extra=`` of a record the photographer was already told on screen (a file's
#: failure, said in the window or the terminal): the log file keeps it, the
#: console does not say it twice.
TOLD = {"told": True}

CrashCallback = Callable[[Path], None]


def log_dir(paths: AppPaths) -> Path:
    return paths.state_dir / "logs"


def crash_dir(paths: AppPaths) -> Path:
    return paths.state_dir / "crashes"


class LogFile(logging.handlers.RotatingFileHandler):
    """The log file. A line it cannot write (a full disk) is lost quietly: not
    printed on the terminal with a traceback, as logging does by default."""

    def handleError(self, record: logging.LogRecord) -> None:
        pass

    def close(self) -> None:
        with contextlib.suppress(OSError):  # its last lines flushed to a full disk
            super().close()


class RedactingFormatter(logging.Formatter):
    """Formats as usual (the traceback included), then takes the secrets out."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


@dataclass
class Diagnostics:
    """What ``start`` installed; ``stop`` takes it all back (tests, a second start)."""

    paths: AppPaths
    handlers: list[logging.Handler] = field(default_factory=list)
    fault_file: IO[str] | None = None
    previous_level: int = logging.WARNING
    #: faulthandler was on before (pytest turns it on): it is turned back on at stop.
    fault_was_enabled: bool = False
    previous_hooks: tuple[object, object] | None = None
    on_crash: CrashCallback | None = None

    @property
    def log_file(self) -> Path:
        return log_dir(self.paths) / LOG_FILE

    def stop(self) -> None:
        root = logging.getLogger()
        root.setLevel(self.previous_level)
        for handler in self.handlers:
            root.removeHandler(handler)
            handler.close()
        self.handlers.clear()
        if self.previous_hooks is not None:
            sys.excepthook, threading.excepthook = self.previous_hooks  # type: ignore[assignment]
            self.previous_hooks = None
        if self.fault_file is not None:
            faulthandler.disable()
            self.fault_file.close()
            self.fault_file = None
            if self.fault_was_enabled:
                faulthandler.enable(sys.__stderr__ or sys.stderr)


def start(
    paths: AppPaths,
    *,
    verbose: bool = False,
    stderr: TextIO | None = None,
    on_crash: CrashCallback | None = None,
) -> Diagnostics:
    """Log to the rotating file (and ``stderr``: warnings, or everything when verbose),
    write a crash report for any uncaught exception, and trace fatal errors.

    A log folder that cannot be written (a read-only home, a full disk) costs the
    file, never the program: the reason goes to stderr.
    """
    diag = Diagnostics(paths, on_crash=on_crash)
    root = logging.getLogger()
    diag.previous_level = root.level
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    for name in CHATTY:
        logging.getLogger(name).setLevel(logging.NOTSET if verbose else logging.WARNING)
    redact.remember(os.environ.get("AWS_SECRET_ACCESS_KEY"))
    redact.remember(os.environ.get("AWS_SESSION_TOKEN"))
    formatter = RedactingFormatter(FORMAT)
    try:
        log_dir(paths).mkdir(parents=True, exist_ok=True)
        file_handler = LogFile(
            diag.log_file, maxBytes=LOG_BYTES, backupCount=LOG_BACKUPS, encoding="utf-8"
        )
        diag.fault_was_enabled = faulthandler.is_enabled()
        diag.fault_file = open(log_dir(paths) / "fatal.log", "a", encoding="utf-8")  # noqa: SIM115
        faulthandler.enable(diag.fault_file, all_threads=True)
    except OSError as exc:
        print(
            f"lytsite-desktop: no log file this time: its folder cannot be written ({exc})",
            file=stderr or sys.stderr,
        )
    else:
        file_handler.setFormatter(formatter)
        diag.handlers.append(file_handler)
    if stderr is not None:
        console = logging.StreamHandler(stderr)
        console.setLevel(logging.DEBUG if verbose else logging.WARNING)
        console.setFormatter(RedactingFormatter("%(levelname)s %(name)s: %(message)s"))
        console.addFilter(lambda record: not getattr(record, "told", False))
        diag.handlers.append(console)
    for handler in diag.handlers:
        root.addHandler(handler)
    diag.previous_hooks = (sys.excepthook, threading.excepthook)
    sys.excepthook = lambda t, v, tb: _crashed(diag, t, v, tb, "main thread")
    threading.excepthook = lambda a: _crashed(
        diag, a.exc_type, a.exc_value, a.exc_traceback, f"{a.thread.name if a.thread else '?'}"
    )
    logging.getLogger(__name__).info(
        "lytsite-desktop %s starting (Python %s, %s)",
        __version__,
        platform.python_version(),
        system(),
    )
    return diag


def system() -> str:
    """The OS, its release and the machine (``platform.platform()`` would start
    a process, ``uname -p``, at every start)."""
    name = platform.uname()
    return f"{name.system} {name.release} {name.machine}"


def _crashed(
    diag: Diagnostics,
    exc_type: type[BaseException],
    exc: BaseException | None,
    tb: TracebackType | None,
    where: str,
) -> None:
    if issubclass(exc_type, SystemExit):
        return  # a thread ending itself, as threading's own hook treats it
    if issubclass(exc_type, KeyboardInterrupt):
        sys.__excepthook__(exc_type, exc or exc_type(), tb)
        return
    logging.getLogger(__name__).critical(
        "uncaught exception in %s", where, exc_info=(exc_type, exc or exc_type(), tb)
    )
    try:
        report = write_crash_report(diag.paths, exc_type, exc, tb, where=where)
    except OSError as err:
        logging.getLogger(__name__).error("the crash report could not be saved: %s", err)
        return
    if diag.on_crash is not None:
        diag.on_crash(report)


def write_crash_report(
    paths: AppPaths,
    exc_type: type[BaseException],
    exc: BaseException | None,
    tb: TracebackType | None,
    *,
    where: str = "main thread",
) -> Path:
    """Save a redacted report of an exception; returns its path. Keeps the newest 20."""
    folder = crash_dir(paths)
    folder.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    path = folder / f"crash-{stamp}-{os.getpid()}-{threading.get_ident() % 10000}.txt"
    frozen = " (bundle)" if getattr(sys, "frozen", False) else ""
    lines = [
        f"lytsite-desktop {__version__}{frozen} crashed ({where})",
        f"When:    {time.strftime('%Y-%m-%d %H:%M:%S %z')}",
        f"Python:  {platform.python_version()} ({sys.executable})",
        f"System:  {system()}",
        "",
        "".join(traceback.format_exception(exc_type, exc, tb)).rstrip(),
        "",
        f"-- the last {LOG_TAIL_LINES} lines of the log --",
        *_log_tail(log_dir(paths) / LOG_FILE),
    ]
    path.write_text(redact("\n".join(lines)) + "\n", encoding="utf-8")
    for old in sorted(folder.glob("crash-*.txt"))[:-KEEP_CRASH_REPORTS]:
        old.unlink(missing_ok=True)
    return path


def _log_tail(log: Path) -> list[str]:
    try:
        with open(log, "rb") as f:
            f.seek(0, os.SEEK_END)
            f.seek(max(0, f.tell() - 256 * 1024))
            data = f.read().decode("utf-8", "replace")
    except OSError:
        return ["(no log)"]
    return data.splitlines()[-LOG_TAIL_LINES:]
