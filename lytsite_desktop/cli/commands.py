"""The command line's face: arguments, the commands, and starting the window.

Exit status (``cli/exits.py``): 0 every file published; 1 some files failed (each
reported with its reason); 2 bad usage or configuration; 130 stopped with Ctrl-C
(resumable).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
from collections.abc import Sequence

from lytsite_desktop import __version__
from lytsite_desktop.cli import curate as cli_curate
from lytsite_desktop.cli import dest as cli_dest
from lytsite_desktop.cli import gallery as cli_gallery
from lytsite_desktop.cli import upload as cli_upload
from lytsite_desktop.cli.exits import EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE
from lytsite_desktop.cli.progress import say_error
from lytsite_desktop.core.app import App
from lytsite_desktop.core.config.paths import AppPaths
from lytsite_desktop.core.errors import ConfigError
from lytsite_desktop.core.platform import diagnostics
from lytsite_desktop.core.sizes import parse_size

COMMANDS = ("upload", "resume", "status", "dest", "gallery", "prune")


class UsageError(Exception):
    """Raised instead of argparse's sys.exit so run() decides the exit status."""


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
    up.add_argument("--title", help="the title the client sees (default: the project's name)")
    up.add_argument("--private", action="store_true",
                    help="an unguessable address for the project (kept later)")  # fmt: skip
    up.add_argument("--expires", type=cli_curate.day_arg, metavar="YYYY-MM-DD",
                    help="the last day the client's page is open")  # fmt: skip
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
    st.add_argument(
        "--all",
        action="store_true",
        help="list files without a preview in every project, not only the latest",
    )

    dest = sub.add_parser("dest", help="saved destinations")
    dsub = dest.add_subparsers(dest="dest_command", required=True, parser_class=_Parser)
    add = dsub.add_parser("add", help="save a destination (secret goes to the OS keyring)")
    add.add_argument("name")
    add.add_argument(
        "url",
        metavar="DEST",
        help="s3://BUCKET[/PREFIX]?endpoint=URL, companion+https://HOST[/PATH] or file:///PATH",
    )
    add.add_argument("--access-key-id", help="access key ID (prompted for if not given)")
    add.add_argument(
        "--env-credentials",
        action="store_true",
        help="store no secret: use AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY at upload time",
    )
    add.add_argument(
        "--token-stdin",
        action="store_true",
        help="an upload server's token, read from standard input (kept in the keyring)",
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
    cli_curate.add_prune(sub)
    return parser


def _orphan_flag(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--abort-orphans",
        action="store_true",
        help="abort unfinished uploads under projects/ that this computer's journal does not own",
    )


def _workers_skip_the_cli() -> None:
    """Started as the ``lytsite-desktop`` script, this process's main module is that
    script, and every spawned preview worker would run it again (importing the
    whole command line) before its first photo. Known as the package's
    ``__main__`` (what ``python -m lytsite_desktop`` runs), it is left alone by
    multiprocessing: the workers import only what they use."""
    script = sys.modules.get("__main__")
    if (script is None or getattr(script, "__spec__", None) is not None
            or getattr(sys, "frozen", False)
            or os.path.basename(sys.argv[0]) != "lytsite-desktop"):  # fmt: skip
        return
    script.__spec__ = importlib.util.find_spec("lytsite_desktop.__main__")


def run(argv: Sequence[str] | None = None) -> int:
    """The command line, once :func:`lytsite_desktop.cli.main` has started what
    an upload needs first."""
    if argv is None:
        _workers_skip_the_cli()
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
            "upload": cli_upload.cmd_upload,
            "resume": cli_upload.cmd_resume,
            "status": cli_upload.cmd_status,
            "dest": cli_dest.cmd_dest,
            "gallery": cli_gallery.cmd_gallery,
            "prune": cli_curate.cmd_prune,
        }[args.command]
        if args.command in ("upload", "resume", "gallery", "prune"):
            cli_curate.finish_deletions(app)  # what a crash left half deleted
        code = handler(app, args)
        sys.stdout.flush()  # here, where a closed pipe can still be answered quietly
        return code
    except ConfigError as exc:
        say_error(args, str(exc))
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("Stopped.", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # `status | head`: the reader has all it wanted
        _quiet_stdout()
        return EXIT_OK
    finally:
        if app is not None:
            app.close()
        diag.stop()


def _quiet_stdout() -> None:
    """Send what is still buffered for a closed pipe nowhere, so the interpreter's
    final flush does not print a traceback."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


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
