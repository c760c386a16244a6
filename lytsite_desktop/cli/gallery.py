"""`lytsite-desktop gallery list`, `gallery PROJECT [--dest DEST] --export DIR`, and the
changes of :mod:`.curate`."""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from lytsite_desktop.cli import curate
from lytsite_desktop.core.app import App, gallery_link
from lytsite_desktop.core.curation.expiry import expired, expired_line
from lytsite_desktop.core.errors import ConfigError, Interrupted, TransferError
from lytsite_desktop.core.gallery.fetching import fetch_missing
from lytsite_desktop.core.gallery.originals import download_original, local_original
from lytsite_desktop.core.gallery.projects import list_projects, load_project
from lytsite_desktop.core.gallery.web import export
from lytsite_desktop.core.publish.entry import ManifestEntry

EXIT_OK, EXIT_FAILED = 0, 1


def add_parser(sub: argparse._SubParsersAction) -> None:
    g = sub.add_parser("gallery", help="published projects, and their web gallery as a folder")
    g.add_argument("project", metavar="PROJECT", help="a project's name, or 'list'")
    g.add_argument("--dest", help="where the project is published (when several)")
    g.add_argument("--export", type=Path, metavar="DIR", help="write the web gallery into DIR")
    g.add_argument(
        "--no-originals",
        action="store_true",
        help="leave the originals out (download links then go to the public bucket, if any)",
    )
    curate.add_flags(g)


def cmd_gallery(app: App, args: argparse.Namespace) -> int:
    if args.project == "list":
        return _list(app)
    changing = curate.wants_change(args)
    if changing and args.export is not None:
        raise ConfigError("change the gallery first, then export it: one at a time")
    if changing:
        return curate.cmd_change(app, args)
    if args.export is None:
        raise ConfigError(
            "say what to do with the gallery: --export DIR, --title, --cover, --hide, --show, "
            "--downloads, --expires, --remove or --delete (see --help)"
        )
    return _export(app, args)


def _list(app: App) -> int:
    refs = list_projects(app.journal, app.gallery)
    if not refs:
        print("No published projects yet.")
    for r in refs:
        link = gallery_link(app.destination_config(r.dest), r.dest, r.project) or ""
        title = r.title or r.project
        print(f"{r.project}\t{title}\t{r.files} files\t{r.updated or '-'}\t{r.dest}\t{link}"
              .rstrip())  # fmt: skip
    for r in expired(refs):
        print(f"Expired: {expired_line(r)}. Its page offers nothing any more. Take its photos "
              f"off the page (gallery {r.project} --hide-all), delete it (gallery {r.project} "
              f"--delete), or open it again (gallery {r.project} --expires never).",
              file=sys.stderr)  # fmt: skip
    return EXIT_OK


def _export(app: App, args: argparse.Namespace) -> int:
    ref = app.find_project(args.project, args.dest)
    try:
        loaded = load_project(app.gallery, ref.dest, ref.project, lambda: app.open_ident(ref.dest))
    except TransferError as exc:
        raise ConfigError(str(exc)) from exc
    manifest, destination = loaded.manifest, loaded.destination
    if loaded.offline:
        print(f"Offline ({loaded.offline}): using the copy on this computer.", file=sys.stderr)
    elif destination is not None:
        report = fetch_missing(app.gallery, destination, manifest)
        if report.fetched:
            print(f"Fetched {report.fetched} previews and thumbnails from the bucket.")
        if report.offline:
            print(f"The connection was lost while fetching previews ({report.offline}).",
                  file=sys.stderr)  # fmt: skip
        if report.unkept:
            print(report.unkept, file=sys.stderr)
        for key in report.missing:
            print(f"Not in the bucket any more: {key}", file=sys.stderr)

    def original(entry: ManifestEntry, target: Path) -> bool:
        source = local_original(app.journal, ref.dest, ref.project, entry)
        try:
            if source is not None:
                shutil.copyfile(source, target)
            elif destination is not None:
                download_original(destination, entry, target)
            else:
                return False
        except (OSError, TransferError, Interrupted) as exc:
            print(f"{entry.path}: {exc}", file=sys.stderr)
            return False
        return True

    link = gallery_link(app.destination_config(ref.dest), ref.dest, ref.project)
    problems = export(
        manifest,
        args.export,
        lambda e, which: app.gallery.local(ref.dest, ref.project, e, which),  # type: ignore[arg-type]
        None if args.no_originals else original,
        originals_url=link.removesuffix("index.html") if link else None,
    )
    if destination is not None:
        destination.close()
    for p in problems:
        print(p, file=sys.stderr)
    page = args.export / "index.html"
    print(f"Wrote the gallery of {ref.project} ({len(manifest.files)} files): {page}")
    return EXIT_FAILED if problems else EXIT_OK
