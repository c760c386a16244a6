"""`upload`, `resume` and `status`: the publishing service without a window.

Ctrl-C stops gently: no new part starts and the parts in the air finish (for at
most :data:`~lytsite_desktop.core.publishing.DRAIN_SECONDS`), so nothing that was
nearly sent is sent again; a second Ctrl-C stops at once. Either way the journal
stays resumable and the exit status is 130.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

from lytsite_desktop.cli.exits import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK
from lytsite_desktop.cli.progress import RESUME_HINT, JsonLines, say_error
from lytsite_desktop.cli.status import print_status
from lytsite_desktop.core.app import App
from lytsite_desktop.core.config.settings import TransferSettings
from lytsite_desktop.core.destinations.resolve import DestRef, part_checksum
from lytsite_desktop.core.destinations.signer import TokenRefused
from lytsite_desktop.core.errors import ConfigError, TransferError
from lytsite_desktop.core.events import BatchDone, Event, Problem
from lytsite_desktop.core.ingest.scan import ScanItem, ScanProblem, scan
from lytsite_desktop.core.publishing import PublishingService
from lytsite_desktop.core.transfer.prehash import Prehasher
from lytsite_desktop.core.transfer.task import requests_for

if TYPE_CHECKING:
    from lytsite_desktop.cli.terminal import TerminalProgress

log = logging.getLogger(__name__)


def transfer_settings(app: App, args: argparse.Namespace) -> TransferSettings:
    """The saved transfer settings with the command line's overrides, validated."""
    ts = TransferSettings(**vars(app.settings.transfer))
    if getattr(args, "concurrency", None):
        ts.concurrency = args.concurrency
    if getattr(args, "part_size", None):
        ts.part_size = args.part_size
    if getattr(args, "bwlimit", None):
        ts.bwlimit = args.bwlimit
    try:
        ts.validate()
    except ValueError as exc:
        raise ConfigError(str(exc)) from exc
    return ts


def _scan(args: argparse.Namespace, out: JsonLines | None) -> tuple[list[ScanItem], int]:
    """The files to publish, and how many could not be read."""
    items, problems = [], 0
    for item in scan(args.paths):
        if isinstance(item, ScanProblem):
            problems += 1
            reason = f"cannot read {item.path}: {item.reason}"
            if out:
                out.message("file_failed", path=item.path, reason=reason)
            print(f"lytsite-desktop: {reason}", file=sys.stderr)
            continue
        assert isinstance(item, ScanItem)
        items.append(item)
    return items, problems


def cmd_upload(app: App, args: argparse.Namespace) -> int:
    out = JsonLines() if args.json else None
    items, problems = _scan(args, out)
    if not items and problems:
        return EXIT_FAILED
    requests, titles = requests_for(items, args.project or "")
    if args.title:  # what a later run (a resume) gives the project's first manifest
        requests = [replace(r, title=args.title) for r in requests]
    ref = app.ref(args.dest)
    names = set(titles.values())
    project = args.project or (names.pop() if len(names) == 1 else "")

    def start(service: PublishingService) -> None:
        algorithm = part_checksum(ref, app.settings)
        if algorithm is not None:  # big files read while the store is being reached
            service.prehasher = Prehasher(service.transfer, algorithm, app.journal)
            service.prehasher.start(r.source for r in requests)
        if not args.private:  # read while the orphan check waits on the store
            service.prefetch(ref, {r.project for r in requests})
        _sweep_orphans(service, ref, args, out)
        service.publish(requests, ref, project=project, titles=titles, title=args.title,
                        private=args.private, expires=args.expires)  # fmt: skip

    return _run(app, args, out, start, extra_failures=problems)


def cmd_resume(app: App, args: argparse.Namespace) -> int:
    out = JsonLines() if args.json else None
    unfinished = app.journal.unfinished()
    theirs = sum(1 for r in unfinished if app.journal.held_elsewhere(r.id))
    if theirs and not out:  # another window or command publishes them: left to it
        files = f"{theirs} file is" if theirs == 1 else f"{theirs} files are"
        print(f"{files} being uploaded by another lytsite-desktop now: left to it "
              "(`status` lists them).", file=sys.stderr)  # fmt: skip
    if len(unfinished) == theirs:
        if out:
            out.message("done", published=0, failed=0, cancelled=0, bytes_sent=0,
                        interrupted=False)  # fmt: skip
        elif not theirs:
            print("Nothing to resume: every upload in the journal is finished.", file=sys.stderr)
        return EXIT_OK
    problems: list[str] = []
    specs = {app.journal.destination_spec(r.dest) for r in unfinished}

    def start(service: PublishingService) -> None:
        for spec in sorted(s for s in specs if s):
            _sweep_orphans(service, DestRef.of(spec, app.paths), args, out)
        problems.extend(service.resume()[1])

    code = _run(app, args, out, start)
    for problem in problems:
        say_error(args, problem)
    return max(code, EXIT_FAILED) if problems and code != EXIT_INTERRUPTED else code


def _run(
    app: App,
    args: argparse.Namespace,
    out: JsonLines | None,
    start: Callable[[PublishingService], None],
    *,
    extra_failures: int = 0,
) -> int:
    """Start the batches, wait for them (Ctrl-C: drain, then stop), report."""
    service = PublishingService(
        app, transfer_settings(app, args), previews=not getattr(args, "no_previews", False)
    )
    progress: TerminalProgress | None = None
    if out is None:  # rich only for a person: a script's JSON lines need none of it
        from lytsite_desktop.cli.terminal import TerminalProgress

        progress = TerminalProgress()
    subscriber: Callable[[Event], None] = out if out else progress  # type: ignore[assignment]
    service.subscribe(subscriber)
    service.subscribe(lambda e: _problem(args, e))
    interrupted = False
    if progress:
        progress.__enter__()
    try:
        try:
            start(service)
            service.wait()
        except KeyboardInterrupt:
            interrupted = True
            try:
                service.drain()
            except KeyboardInterrupt:
                log.info("a second Ctrl-C: stopping at once")
            # Stopping now, within bounds; one more Ctrl-C leaves at once (the journal
            # is consistent at every instant), never with a traceback.
            signal.signal(signal.SIGINT, lambda *_: os._exit(EXIT_INTERRUPTED))
    finally:
        service.close()
        if progress:
            progress.__exit__(None, None, None)
    results = service.results
    interrupted = interrupted or any(r.interrupted for r in results)
    if progress:
        links = [link for r in results for link in app.gallery_links(r.dest, r.published_to)]
        progress.report(results, interrupted=interrupted, links=links)
    elif interrupted:
        print(RESUME_HINT, file=sys.stderr)
    return _exit_code(results, interrupted, extra_failures)


def _problem(args: argparse.Namespace, event: Event) -> None:
    if isinstance(event, Problem):
        say_error(args, event.message)


def _exit_code(results: list[BatchDone], interrupted: bool, extra_failures: int) -> int:
    if interrupted:
        return EXIT_INTERRUPTED
    failed = sum(r.failed for r in results) + extra_failures
    return EXIT_FAILED if failed else EXIT_OK


def _sweep_orphans(
    service: PublishingService, ref: DestRef, args: argparse.Namespace, out: JsonLines | None
) -> None:
    try:
        orphans = service.orphans(ref)
    except TokenRefused as exc:  # an upload server's token: nothing can go up
        raise ConfigError(str(exc)) from exc
    except TransferError as exc:
        log.info("orphan check skipped: %s", exc)
        return
    if not orphans:
        return
    if args.abort_orphans:
        n = service.abort_orphans(ref, orphans)
        if out:
            out.message("orphans_aborted", count=n)
        else:
            print(f"Aborted {n} unfinished upload(s) no journal owned.", file=sys.stderr)
        return
    notice = (
        f"{len(orphans)} unfinished upload(s) under projects/ belong to no journal on this "
        "computer (left by a crash, or by another computer still uploading)."
    )
    if out is None and sys.stdin.isatty():
        answer = input(notice + " Abort them to free their storage? [y/N] ")
        if answer.strip().lower() in ("y", "yes"):
            print(f"Aborted {service.abort_orphans(ref, orphans)} upload(s).", file=sys.stderr)
        return
    if out:
        out.message("orphans_found", count=len(orphans), keys=[k for k, _ in orphans])
    print(notice + " Run again with --abort-orphans to abort them.", file=sys.stderr)


def cmd_status(app: App, args: argparse.Namespace) -> int:
    print_status(app, as_json=args.json, everything=args.all)
    return EXIT_OK
