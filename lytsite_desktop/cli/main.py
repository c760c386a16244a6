"""The command line: the same engine as the window, with terminal progress or JSON lines.

Exit status: 0 every file published; 1 some files failed (each reported with its
reason); 2 bad usage or configuration; 130 stopped with Ctrl-C (resumable).
"""

from __future__ import annotations

import argparse
import getpass
import json
import logging
import os
import sys
from collections import defaultdict
from collections.abc import Sequence

from lytsite_desktop import __version__
from lytsite_desktop.cli import gallery as cli_gallery
from lytsite_desktop.cli.progress import RESUME_HINT, JsonLines, TerminalProgress
from lytsite_desktop.core.app import App, validate_destination_name
from lytsite_desktop.core.config.paths import AppPaths
from lytsite_desktop.core.config.settings import TransferSettings
from lytsite_desktop.core.destinations.base import Destination
from lytsite_desktop.core.destinations.resolve import (
    describe_default,
    validate_dest_url,
)
from lytsite_desktop.core.errors import ConfigError, TransferError
from lytsite_desktop.core.events import BatchDone
from lytsite_desktop.core.ingest.scan import ScanItem, ScanProblem, scan
from lytsite_desktop.core.keys import slugify
from lytsite_desktop.core.platform import diagnostics
from lytsite_desktop.core.previews.maker import PreviewMaker
from lytsite_desktop.core.sizes import format_size, parse_size
from lytsite_desktop.core.store import journal as jr
from lytsite_desktop.core.transfer.engine import TransferEngine, UploadRequest

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
COMMANDS = ("upload", "resume", "status", "dest", "gallery")


class UsageError(Exception):
    """Raised instead of argparse's sys.exit so main() decides the exit status."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{self.prog}: {message}")


def _size_arg(text: str) -> int:
    try:
        return parse_size(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="lytsite-desktop",
        description="Publish photo folders to your own S3-compatible bucket.",
    )
    parser.add_argument("--version", action="version", version=f"lytsite-desktop {__version__}")
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="log details (to stderr and the log file)"
    )
    parser.add_argument(
        "--self-check",
        action="store_true",
        help="check that previews, PDFs and the window work here (installs, bundles), then exit",
    )
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)

    up = sub.add_parser("upload", help="publish files and folders")
    up.add_argument("paths", nargs="+", metavar="PATH")
    up.add_argument("--dest", help="saved destination name, s3://... or file:///... URL")
    up.add_argument("--project", help="project name (default: the dropped folder's name)")
    up.add_argument("--concurrency", type=int, help="parts in flight at once (default 8)")
    up.add_argument("--part-size", type=_size_arg, help="multipart part size, e.g. 16M")
    up.add_argument("--bwlimit", type=_size_arg, help="upload rate limit, e.g. 4M or 50Mbit")
    up.add_argument("--json", action="store_true", help="one JSON event per line on stdout")
    up.add_argument(
        "--no-previews", action="store_true", help="publish originals only (no WebP previews)"
    )
    _orphan_flag(up)

    res = sub.add_parser("resume", help="finish every interrupted upload in the journal")
    res.add_argument("--json", action="store_true")
    res.add_argument("--concurrency", type=int)
    res.add_argument("--bwlimit", type=_size_arg)
    _orphan_flag(res)

    st = sub.add_parser("status", help="what the journal holds")
    st.add_argument("--json", action="store_true")

    dest = sub.add_parser("dest", help="saved destinations")
    dsub = dest.add_subparsers(dest="dest_command", required=True, parser_class=_Parser)
    add = dsub.add_parser("add", help="save a destination (secret goes to the OS keyring)")
    add.add_argument("name")
    add.add_argument(
        "url", metavar="DEST", help="s3://BUCKET[/PREFIX]?endpoint=URL or file:///PATH"
    )
    add.add_argument("--access-key-id", help="access key ID (prompted for if not given)")
    add.add_argument(
        "--env-credentials",
        action="store_true",
        help="store no secret: use AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY at upload time",
    )
    add.add_argument("--default", action="store_true", help="make it the default destination")
    add.add_argument(
        "--public-url",
        metavar="URL",
        help="the bucket's public address (R2 custom domain or r2.dev URL), for gallery links",
    )
    dsub.add_parser("list", help="list saved destinations")
    rm = dsub.add_parser("remove", help="forget a destination and its secret")
    rm.add_argument("name")
    cli_gallery.add_parser(sub)
    return parser


def _orphan_flag(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--abort-orphans",
        action="store_true",
        help="abort unfinished uploads under projects/ that this computer's journal does not own",
    )


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


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    verbose = False
    while argv and argv[0] in ("-v", "--verbose"):  # also before a window's PATHs
        verbose = True
        argv.pop(0)
    if argv and not argv[0].startswith("-") and argv[0] not in COMMANDS:
        return _open_window(argv, verbose)
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except UsageError as exc:
        print(exc, file=sys.stderr)
        return EXIT_USAGE
    except SystemExit as exc:  # --help, --version
        return int(exc.code or 0)
    verbose = verbose or args.verbose
    if args.self_check:
        return _open_window([], verbose, self_check=True)
    if args.command is None:
        return _open_window([], verbose)
    diag = diagnostics.start(AppPaths.discover(), verbose=verbose, stderr=sys.stderr)
    app = None
    try:
        app = App()
        handler = {
            "upload": cmd_upload,
            "resume": cmd_resume,
            "status": cmd_status,
            "dest": cmd_dest,
            "gallery": cli_gallery.cmd_gallery,
        }[args.command]
        return handler(app, args)
    except ConfigError as exc:
        _error(args, str(exc))
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("Stopped.", file=sys.stderr)
        return EXIT_INTERRUPTED
    finally:
        if app is not None:
            app.close()
        diag.stop()


def _error(args: argparse.Namespace, message: str) -> None:
    if getattr(args, "json", False):
        JsonLines().message("error", message=message)
    print(f"lytsite-desktop: {message}", file=sys.stderr)


def _open_window(paths: list[str], verbose: bool, *, self_check: bool = False) -> int:
    headless = sys.platform.startswith("linux") and not (
        os.environ.get("DISPLAY")
        or os.environ.get("WAYLAND_DISPLAY")
        or os.environ.get("QT_QPA_PLATFORM")
    )
    if headless and self_check:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"  # the check needs no screen
    elif headless:
        print(
            "lytsite-desktop: no display to open the window on. Publish from the command "
            "line instead (lytsite-desktop upload FOLDER; see --help), or set "
            "QT_QPA_PLATFORM=offscreen.",
            file=sys.stderr,
        )
        return EXIT_USAGE
    try:
        from lytsite_desktop.gui import app as gui_app
    except ImportError as exc:  # Qt missing or its system libraries
        print(f"lytsite-desktop: the window cannot start ({exc}).", file=sys.stderr)
        return EXIT_USAGE
    try:
        if self_check:
            return gui_app.self_check()
        return gui_app.run(paths, verbose=verbose)
    except ConfigError as exc:
        print(f"lytsite-desktop: {exc}", file=sys.stderr)
        return EXIT_USAGE


# -- upload / resume ----------------------------------------------------------------------


def _requests(args: argparse.Namespace, out: JsonLines | None) -> tuple[list[UploadRequest], int]:
    requests, problems = [], 0
    project = slugify(args.project) if args.project else None
    for item in scan(args.paths):
        if isinstance(item, ScanProblem):
            problems += 1
            reason = f"cannot read {item.path}: {item.reason}"
            if out:
                out.message("file_failed", path=item.path, reason=reason)
            print(f"lytsite-desktop: {reason}", file=sys.stderr)
            continue
        assert isinstance(item, ScanItem)
        requests.append(UploadRequest(item.source, item.rel_path, project or item.project))
    return requests, problems


def cmd_upload(app: App, args: argparse.Namespace) -> int:
    ts = transfer_settings(app, args)
    out = JsonLines() if args.json else None
    requests, problems = _requests(args, out)
    if not requests and problems:
        return EXIT_FAILED
    dest = app.open(args.dest, ts)
    return _run(app, dest, ts, args, requests, resume=False, extra_failures=problems)


def cmd_resume(app: App, args: argparse.Namespace) -> int:
    ts = transfer_settings(app, args)
    by_dest: dict[str, int] = defaultdict(int)
    for rec in app.journal.unfinished():
        by_dest[rec.dest] += 1
    if not by_dest:
        if args.json:
            JsonLines().message("done", published=0, failed=0, cancelled=0, bytes_sent=0,
                                interrupted=False)  # fmt: skip
        else:
            print("Nothing to resume: every upload in the journal is finished.", file=sys.stderr)
        return EXIT_OK
    worst = EXIT_OK
    for ident in by_dest:
        spec = app.journal.destination_spec(ident)
        if spec is None:
            _error(args, f"the journal does not say how to reach {ident}; upload again instead")
            worst = max(worst, EXIT_FAILED)
            continue
        dest = app.open(spec, ts)
        code = _run(app, dest, ts, args, [], resume=True)
        if code == EXIT_INTERRUPTED:
            return code
        worst = max(worst, code)
    return worst


def _run(
    app: App,
    dest: Destination,
    ts: TransferSettings,
    args: argparse.Namespace,
    requests: list[UploadRequest],
    *,
    resume: bool,
    extra_failures: int = 0,
) -> int:
    out = JsonLines() if args.json else None
    previews = None
    if app.settings.previews.enabled and not getattr(args, "no_previews", False):
        try:
            previews = PreviewMaker(app.settings.previews, app.paths.cache_dir)
        except ValueError as exc:
            raise ConfigError(f"preview settings: {exc}") from exc
    try:
        return _run_engine(app, dest, ts, args, requests, out, previews, resume, extra_failures)
    finally:
        if previews is not None:
            previews.close()


def _run_engine(
    app: App,
    dest: Destination,
    ts: TransferSettings,
    args: argparse.Namespace,
    requests: list[UploadRequest],
    out: JsonLines | None,
    previews: PreviewMaker | None,
    resume: bool,
    extra_failures: int,
) -> int:
    engine = TransferEngine(dest, app.journal, ts, previews=previews, gallery=app.gallery)
    try:
        _sweep_orphans(engine, args, out)
    except TransferError as exc:
        logging.getLogger(__name__).info("orphan check skipped: %s", exc)
    if out:
        engine.subscribe(out)
        summary = engine.run(requests, resume=resume)
    else:
        with TerminalProgress() as progress:
            engine.subscribe(progress)
            summary = engine.run(requests, resume=resume)
        progress.report(summary)
    if out and summary.interrupted:
        print(RESUME_HINT, file=sys.stderr)
    for project, error in engine.manifest_errors.items():
        _error(args, f"the manifest of {project} could not be written: {error}")
    dest.close()
    return _exit_code(summary, extra_failures + len(engine.manifest_errors))


def _exit_code(summary: BatchDone, extra_failures: int) -> int:
    if summary.interrupted:
        return EXIT_INTERRUPTED
    return EXIT_FAILED if summary.failed or extra_failures else EXIT_OK


def _sweep_orphans(engine: TransferEngine, args: argparse.Namespace, out: JsonLines | None) -> None:
    orphans = engine.orphaned_uploads()
    if not orphans:
        return
    if args.abort_orphans:
        n = engine.abort_uploads(orphans)
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
            print(f"Aborted {engine.abort_uploads(orphans)} upload(s).", file=sys.stderr)
        return
    if out:
        out.message("orphans_found", count=len(orphans), keys=[k for k, _ in orphans])
    print(notice + " Run again with --abort-orphans to abort them.", file=sys.stderr)


# -- status --------------------------------------------------------------------------------


def cmd_status(app: App, args: argparse.Namespace) -> int:
    files = app.journal.all_files()
    counts: dict[str, int] = defaultdict(int)
    for rec in files:
        counts[rec.state] += 1
    unfinished = [r for r in files if r.state in jr.ACTIVE_STATES]
    failed = [r for r in files if r.state == jr.FAILED]
    no_preview = [r for r in files if r.state == jr.DONE and r.note]
    if args.json:
        print(
            json.dumps(
                {
                    "event": "status",
                    "counts": dict(counts),
                    "unfinished": [_rec_json(app, r) for r in unfinished],
                    "failed": [_rec_json(app, r) for r in failed],
                    "noPreview": [_rec_json(app, r) for r in no_preview],
                }
            )
        )
        return EXIT_OK
    if not files:
        print("The journal is empty: nothing has been uploaded from this computer yet.")
        return EXIT_OK
    print(
        ", ".join(f"{n} {state}" for state, n in sorted(counts.items()))
        + f" (journal: {app.paths.journal_file})"
    )
    if unfinished:
        print(f"\n{len(unfinished)} interrupted; 'lytsite-desktop resume' finishes them:")
        for rec in unfinished[:20]:
            done = sum(p.size for p in app.journal.parts(rec.id).values())
            print(f"  {rec.project}/{rec.rel_path}  {format_size(done)} of {format_size(rec.size)}")
        if len(unfinished) > 20:
            print(f"  ... and {len(unfinished) - 20} more")
    if failed:
        print(f"\n{len(failed)} failed:")
        for rec in failed[:20]:
            print(f"  {rec.project}/{rec.rel_path}: {rec.error}")
    if no_preview:
        print(f"\n{len(no_preview)} published without a preview:")
        for rec in no_preview[:20]:
            print(f"  {rec.project}/{rec.rel_path}: {rec.note}")
        if len(no_preview) > 20:
            print(f"  ... and {len(no_preview) - 20} more")
    return EXIT_OK


def _rec_json(app: App, rec: jr.FileRecord) -> dict[str, object]:
    return {
        "project": rec.project,
        "path": rec.rel_path,
        "source": rec.source_path,
        "size": rec.size,
        "bytesDone": sum(p.size for p in app.journal.parts(rec.id).values()),
        "state": rec.state,
        "error": rec.error,
        "note": rec.note,
        "destination": app.journal.destination_spec(rec.dest) or rec.dest,
    }


# -- dest ------------------------------------------------------------------------------------


def cmd_dest(app: App, args: argparse.Namespace) -> int:
    settings = app.settings
    if args.dest_command == "list":
        if not settings.destinations:
            print(f"No saved destinations. Uploads go to {app.paths.default_library}.")
        default = describe_default(settings, app.paths)
        for name, d in sorted(settings.destinations.items()):
            creds = "keyring" if d.keyring_secret else "environment"
            mark = "*" if name == default else " "
            print(f"{mark} {name}\t{d.url}\t(keys: {creds})")
        return EXIT_OK
    if args.dest_command == "remove":
        app.remove_destination(args.name)
        print(f"Removed destination {args.name!r}.")
        return EXIT_OK
    return _dest_add(app, args)


def _dest_add(app: App, args: argparse.Namespace) -> int:
    validate_destination_name(args.name)
    validate_dest_url(args.url)
    key_id = secret = None
    if args.url.startswith("s3://") and not args.env_credentials:
        key_id = args.access_key_id or _prompt("Access key ID: ", secret=False)
        secret = _prompt("Secret access key: ", secret=True)
        if not key_id or not secret:
            raise ConfigError("both an access key ID and a secret access key are needed")
    config = app.save_destination(
        args.name,
        args.url,
        access_key_id=key_id,
        secret=secret,
        default=args.default,
        public_url=args.public_url,
    )
    where = "the system keyring" if config.keyring_secret else "nowhere (no secret needed)"
    print(f"Saved destination {args.name!r}; its secret key is stored in {where}.")
    return EXIT_OK


def _prompt(label: str, *, secret: bool) -> str:
    """Read from the terminal, or one line of stdin when it is not a terminal."""
    if sys.stdin.isatty():
        return (getpass.getpass(label) if secret else input(label)).strip()
    return sys.stdin.readline().strip()


if __name__ == "__main__":
    sys.exit(main())
