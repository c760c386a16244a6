"""`gallery PROJECT --title/--cover/--hide/--show/--downloads/--expires`, `--remove`,
`--delete`, and `prune`.

What deletes lists what it will delete, with sizes, and asks on a terminal;
``--yes`` skips the question; without a terminal and without ``--yes`` nothing is
deleted and the exit status is 2.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import date

from lytsite_desktop.cli.exits import EXIT_FAILED, EXIT_OK, EXIT_USAGE
from lytsite_desktop.core.app import App
from lytsite_desktop.core.curation import edits
from lytsite_desktop.core.curation.deletions import carry_out, finish_pending
from lytsite_desktop.core.curation.place import Place, change
from lytsite_desktop.core.curation.plans import DeletionPlan, plan_delete, plan_prune, plan_remove
from lytsite_desktop.core.destinations.base import Destination
from lytsite_desktop.core.errors import ConfigError, TransferError
from lytsite_desktop.core.gallery.layout import long_date, title_of
from lytsite_desktop.core.publish.manifest import Op, read
from lytsite_desktop.core.sizes import format_size


def day_arg(text: str) -> date:
    """YYYY-MM-DD, as the last day a gallery is open."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2027-01-31") from exc


def _expiry_arg(text: str) -> date | None:
    return None if text.strip().lower() == "never" else day_arg(text)


def add_flags(g: argparse.ArgumentParser) -> None:
    """The `gallery PROJECT` flags that change a published project."""
    g.add_argument("--title", help="the title the client sees (e.g. 'Ana & João — Wedding')")
    g.add_argument("--cover", metavar="PATH", help="the cover photo, by its path in the gallery")
    g.add_argument("--hide", nargs="+", metavar="PATH", default=[],
                   help="leave these files out of the client's page (still published)")  # fmt: skip
    g.add_argument("--hide-all", action="store_true",
                   help="leave every file out of the client's page")  # fmt: skip
    g.add_argument("--show", nargs="+", metavar="PATH", default=[],
                   help="show hidden files on the client's page again")  # fmt: skip
    g.add_argument("--downloads", choices=("on", "off"),
                   help="downloads on the client's page (off: no original linked)")  # fmt: skip
    g.add_argument("--expires", type=_expiry_arg, default=False, metavar="YYYY-MM-DD|never",
                   help="the last day the client's page is open")  # fmt: skip
    g.add_argument("--remove", nargs="+", metavar="PATH", default=[],
                   help="delete these files from the bucket and the gallery")  # fmt: skip
    g.add_argument("--delete", action="store_true",
                   help="delete the whole project from the bucket")  # fmt: skip
    g.add_argument("--yes", action="store_true", help="delete without asking")


def add_prune(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("prune", help="delete objects no manifest names (replaced versions)")
    p.add_argument("--dest", help="which destination (default: the default destination)")
    p.add_argument("--project", help="one project (default: every project there)")
    p.add_argument("--yes", action="store_true", help="delete without asking")


def wants_change(args: argparse.Namespace) -> bool:
    return bool(
        _edits_wanted(args) or args.remove or args.delete
    )  # fmt: skip


def finish_deletions(app: App) -> None:
    """Finish what an earlier run left half deleted (said, never fatal)."""
    if not app.journal.deletions():
        return
    problems = finish_pending(app.journal, app.gallery, app.open_ident)
    for problem in problems:
        print(f"An earlier deletion is still unfinished ({problem}).", file=sys.stderr)


def cmd_change(app: App, args: argparse.Namespace) -> int:
    """`gallery PROJECT` with --title/--cover/--hide/--show, --remove or --delete."""
    if args.delete and (args.remove or args.title is not None or args.cover):
        raise ConfigError("--delete deletes the whole project: give it alone")
    destination = _open(app, args.project, args.dest)
    try:
        if args.delete:
            return _delete(app, destination, plan_delete(destination, args.project), args)
        code = EXIT_OK
        if _edits_wanted(args):
            _edit(app, destination, args)
        if args.remove:
            code = _delete(app, destination, plan_remove(destination, args.project, args.remove),
                           args)  # fmt: skip
        return code
    except TransferError as exc:
        raise ConfigError(f"{exc} Nothing was changed.") from exc
    finally:
        destination.close()


def cmd_prune(app: App, args: argparse.Namespace) -> int:
    ref = app.ref(args.dest)
    destination = app.open(ref)
    try:
        projects = [args.project] if args.project else destination.list_folders("projects/")
        plans = [plan_prune(destination, p, app.journal) for p in projects]
        left = sum(p.left_alone for p in plans)
        if left:
            print(f"Left alone: {left} recent object(s) no gallery lists yet "
                  "(another computer may still be publishing them).")  # fmt: skip
        plans = [p for p in plans if p.items or p.retired]
        if not any(p.items for p in plans):
            print("Nothing to prune: every object is in a gallery.")
            for plan in plans:  # replaced versions already gone: the manifest forgets them
                carry_out(Place(destination, app.journal, app.gallery), plan)
            return EXIT_OK
        return _confirm_and_run(app, destination, plans, args, "prune")
    except TransferError as exc:
        raise ConfigError(f"{exc} Nothing was deleted.") from exc
    finally:
        destination.close()


def _open(app: App, project: str, dest: str | None) -> Destination:
    """The destination a project is published at (the default one when this
    computer does not know the project: published from another computer)."""
    try:
        ident = app.find_project(project, dest).dest
    except ConfigError:
        if dest is not None:
            raise
        return app.open(app.ref(None))
    return app.open_ident(ident)


def _edits_wanted(args: argparse.Namespace) -> bool:
    return bool(
        args.title is not None or args.cover or args.hide or args.show or args.hide_all
        or args.downloads or args.expires is not False
    )  # fmt: skip


def _edit(app: App, destination: Destination, args: argparse.Namespace) -> None:
    manifest = read(destination, args.project).manifest
    named = [p for p in (args.cover, *args.hide, *args.show) if p]
    unknown = [p for p in named if p not in manifest.files]
    if unknown:
        raise ConfigError(f"Not published in '{args.project}': {', '.join(unknown)}.")
    ops: list[Op] = []
    if args.title is not None:
        ops.append(edits.set_title(args.title))
    if args.cover:
        ops.append(edits.set_cover(args.cover))
    if args.hide or args.hide_all:
        ops.append(edits.set_hidden(list(manifest.files) if args.hide_all else args.hide, True))
    if args.show:
        ops.append(edits.set_hidden(args.show, False))
    if args.downloads:
        ops.append(edits.set_downloads(args.downloads == "on"))
    if args.expires is not False:
        ops.append(edits.set_expiry(args.expires))
    m = change(Place(destination, app.journal, app.gallery), args.project, ops)
    hidden = sum(1 for e in m.files.values() if e.hidden)
    facts = [f"{len(m.files)} files, {hidden} hidden"]
    if m.downloads is False:
        facts.append("no downloads")
    if m.expires:
        facts.append(f"open until {long_date(m.expires)}")
    print(f"Updated “{title_of(m)}” ({args.project}): {'; '.join(facts)}.")


def _delete(
    app: App, destination: Destination, plan: DeletionPlan, args: argparse.Namespace
) -> int:
    what = "the whole project" if args.delete else "these files"
    return _confirm_and_run(app, destination, [plan], args, what)


def _confirm_and_run(
    app: App, destination: Destination, plans: list[DeletionPlan], args: argparse.Namespace,
    what: str,
) -> int:  # fmt: skip
    items = [(plan.project, line) for plan in plans for line in plan.lines()]
    size = sum(plan.size for plan in plans)
    print(f"To delete from {destination.ident}:")
    for project, line in items:
        print(f"  {project}/{line}" if len(plans) > 1 else f"  {line}")
    print(f"{len(items)} item(s), {format_size(size)} in all.")
    refused = _refused(args, what)
    if refused is not None:
        return refused
    place = Place(destination, app.journal, app.gallery)
    try:
        for plan in plans:
            carry_out(place, plan)
    except TransferError as exc:
        print(f"The deletion stopped: {exc} It is recorded: the next run of lytsite-desktop "
              "finishes it.", file=sys.stderr)  # fmt: skip
        return EXIT_FAILED
    print(f"Deleted {len(items)} item(s), {format_size(size)}.")
    return EXIT_OK


def _refused(args: argparse.Namespace, what: str, ask: Callable[[str], str] = input) -> int | None:
    """None when the photographer agreed, else the exit status."""
    if args.yes:
        return None
    if not sys.stdin.isatty():
        print(f"Nothing was deleted. To delete {what}, run again with --yes.", file=sys.stderr)
        return EXIT_USAGE
    try:
        answer = ask(f"Delete {what}? This cannot be undone. [y/N] ")
    except EOFError:
        answer = ""
    if answer.strip().lower() not in ("y", "yes"):
        print("Nothing was deleted.")
        return EXIT_OK
    return None
