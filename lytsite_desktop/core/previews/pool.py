"""Preview workers in their own processes: a decoder that hangs, crashes or eats
memory on one file costs that file's preview, never the app or the queue.

Each :class:`RenderSlot` owns one child process (started on first use; no thread
state of the app's is inherited). On Linux the children are forked from a small
server process that loaded Python, Pillow and the codecs once (multiprocessing's
"forkserver"), so a worker starts in milliseconds and shares those pages;
elsewhere, and in a bundle, each is a fresh interpreter ("spawn"). The child runs
at a lower CPU priority than the uploads and, on Linux, under an address-space
cap. A job that outlives its time limit gets the child killed and a fresh one
next time. :func:`prestart` and :func:`start_all` start them at that priority,
so loading Pillow never slows the app's own first steps.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import sys
import threading
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

from lytsite_desktop.core.previews import notes
from lytsite_desktop.core.previews.jobs import RenderJob, RenderResult

log = logging.getLogger(__name__)

#: Preview workers yield the CPU to uploads (hashing, TLS) and to the desktop.
NICENESS = 10
#: A worker's "still working" on a long job (a video): the time limit counts
#: from the last one.
TICK = "tick"


def _child_main(conn: Connection, memory_limit: int | None) -> None:
    """The worker process: render jobs until told to stop. It says nothing on the
    terminal: decoders' warnings (libtiff prints its own) go nowhere, and what a
    job needs told travels back in its result's ``detail``, for the app's log."""
    quiet = os.open(os.devnull, os.O_WRONLY)
    os.dup2(quiet, 2)
    logging.getLogger().handlers[:] = [logging.NullHandler()]
    lower_priority()
    if sys.platform.startswith("linux"):
        keep_freed_memory()
        if memory_limit:
            import resource

            resource.setrlimit(resource.RLIMIT_AS, (memory_limit, memory_limit))
    _register_plugins()
    from lytsite_desktop.core.previews.jobs import render, warm_up

    warm_up()

    def tick() -> None:
        try:
            conn.send(TICK)
        except OSError:  # the app is gone: so is the job
            os._exit(0)

    while True:
        try:
            job = conn.recv()
            if job is None:
                return
            conn.send(render(job, tick).to_dict())
        except (EOFError, OSError):  # the app went away (or killed the job): quietly
            return


#: glibc's mallopt() parameters (malloc.h).
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3


def keep_freed_memory() -> None:
    """Keep a job's freed buffers for the next job (glibc).

    By default glibc hands a decoded photo's buffers back to the kernel, and the
    next photo's are faulted in and zeroed again: about 45 MB and 11,000 page
    faults a 24 MP photo, 8% of a worker's time. Buffers under 32 MiB now come
    from the heap, which keeps up to 64 MiB free for the next job; larger ones
    still come from, and go back to, the kernel. A worker's memory between jobs
    stays at its last job's peak (about 75 MB for a 24 MP photo)."""
    import ctypes

    try:
        libc = ctypes.CDLL(None)
        libc.mallopt(_M_MMAP_THRESHOLD, 32 * 1024 * 1024)
        libc.mallopt(_M_TRIM_THRESHOLD, 64 * 1024 * 1024)
    except (AttributeError, OSError):  # another C library: its own ways
        pass


def lower_priority() -> None:
    """Put the calling thread (Linux: priority is a thread's) or process at
    :data:`NICENESS`; never raises it (one already lower stays so)."""
    try:
        if os.getpriority(os.PRIO_PROCESS, 0) < NICENESS:
            os.setpriority(os.PRIO_PROCESS, 0, NICENESS)
    except (AttributeError, OSError):  # Windows: no such call; no right to change it
        pass


#: What every worker needs, loaded once by the server workers are forked from.
PRELOAD = (
    "lytsite_desktop.core.previews.jobs",
    "lytsite_desktop.core.previews.imaging",
    "PIL.JpegImagePlugin",
    "PIL.WebPImagePlugin",
    "pillow_heif",
)


def _context() -> Any:
    if sys.platform.startswith("linux") and not getattr(sys, "frozen", False):
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(list(PRELOAD))
        return ctx
    return multiprocessing.get_context("spawn")


def _at_low_priority(start: Callable[[], None], *, wait: bool = True) -> None:
    """Run ``start`` in a thread of its own at :data:`NICENESS` (Linux: a child is
    born with the priority of the thread that starts it), so the processes it
    starts yield the CPU to the app from their first instruction; ``wait`` for it
    or not."""

    def low() -> None:
        if sys.platform.startswith("linux"):
            lower_priority()
        start()

    starter = threading.Thread(target=low, name="preview-start", daemon=True)
    starter.start()
    if wait:
        starter.join()


def prestart(wanted: Callable[[], bool] = lambda: True) -> None:
    """Start the server workers are forked from (and multiprocessing's resource
    tracker) now, at the workers' priority, if ``wanted()`` (asked at the caller's
    priority): it loads Pillow on another core while the app loads its own
    modules, and the first worker is then a fork away. Returns once the server's
    process exists. Does nothing where workers are spawned."""
    ctx = _context()
    if ctx.get_start_method() != "forkserver":
        return
    from multiprocessing import forkserver

    if wanted():
        _at_low_priority(forkserver.ensure_running)


def start_all(slots: list[RenderSlot]) -> None:
    """Start the slots' workers, at their priority from birth. Returns at once: a
    worker is a fork of a server that may still be loading Pillow (or a fresh
    interpreter), and the uploads need not wait for it; a job given to a worker
    still starting waits for it."""
    waiting = [slot for slot in slots if slot.pid is None]

    def start() -> None:
        for slot in waiting:
            try:
                slot.start()
            except Exception:  # the first job tries again, and its result says why
                log.warning("a preview worker did not start", exc_info=True)

    if waiting:
        _at_low_priority(start, wait=False)


def _register_plugins() -> None:
    try:
        import pillow_heif

        pillow_heif.register_heif_opener()
    except ImportError:  # HEIF files then get "not a readable image"
        pass


class RenderSlot:
    """One worker process and the job it is running; used by one thread at a time."""

    def __init__(self, *, timeout: float, memory_limit: int | None) -> None:
        self.timeout = timeout
        self.memory_limit = memory_limit
        self._proc: Any = None
        self._conn: Connection | None = None
        self._lock = threading.Lock()
        self._closed = False
        #: Stopped by :meth:`kill` (the app is stopping): its job's end is no crash.
        self._interrupted = False

    @property
    def pid(self) -> int | None:
        """The worker process's id, while one runs."""
        return self._proc.pid if self._proc is not None else None

    def _start(self) -> Connection:
        ctx = _context()
        prestart()  # a server started by a worker's first use must be a low one too
        parent, child = ctx.Pipe()
        proc = ctx.Process(
            target=_child_main, args=(child, self.memory_limit), name="lytsite-preview", daemon=True
        )
        proc.start()
        child.close()
        self._proc, self._conn = proc, parent
        return parent

    def start(self) -> None:
        """Start the worker now (it readies its decoders while the app hashes):
        the first job then finds it waiting. Not once the slot is closed."""
        with self._lock:
            if self._conn is None and not self._closed:
                self._start()

    def render(self, job: RenderJob) -> RenderResult:
        """Run one job in the child; a hang or crash becomes a result with a note."""
        with self._lock:
            if self._proc is not None and not self._proc.is_alive():
                self._kill()  # died while idle: start afresh
            try:
                conn = self._conn or self._start()
                conn.send(job)
                while conn.poll(self.timeout):  # the time limit counts from the last sign
                    answer = conn.recv()
                    if answer != TICK:
                        return RenderResult.from_dict(answer)
            except (EOFError, OSError):
                return self._crashed()
            self._kill()
            return RenderResult(note=notes.took_too_long(self.timeout), lasting=False)

    def _crashed(self) -> RenderResult:
        proc = self._proc
        if proc is not None:
            proc.join(timeout=5)
        code = proc.exitcode if proc is not None else None
        self._kill()
        how = f"signal {signal.Signals(-code).name}" if code and code < 0 else f"exit {code}"
        if self._interrupted:  # stopped by the app itself: said in the log, not as a warning
            log.info("preview worker stopped mid-job (%s): the app is stopping", how)
        else:
            log.warning("preview worker died (%s)", how)
        return RenderResult(note=notes.crashed(), lasting=False, detail=f"worker died ({how})")

    def _kill(self) -> None:
        proc, conn = self._proc, self._conn
        self._proc = self._conn = None
        if conn is not None:
            conn.close()
        if proc is not None and proc.is_alive():
            proc.kill()
        if proc is not None:
            proc.join(timeout=5)

    def close(self) -> None:
        """Stop the child (politely, then firmly). Waits for a running job's lock."""
        with self._lock:
            self._closed = True
            if self._conn is not None and self._proc is not None:
                try:
                    self._conn.send(None)
                    self._proc.join(timeout=2)
                except OSError:
                    pass
            self._kill()

    def kill(self) -> None:
        """Stop now, even mid-job (the job's caller gets a crash result)."""
        self._interrupted = True
        proc = self._proc
        if proc is not None and proc.is_alive():
            proc.kill()
