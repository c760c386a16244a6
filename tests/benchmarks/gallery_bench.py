"""Gallery benchmark: a 2,000-photo project in the real Gallery tab.

1. Open: from the call that opens the project to the first screen of thumbnails
   decoded and painted (the manifest read, 2,000 files resolved to local files,
   the grid laid out, the visible thumbnails decoded off the GUI thread).
2. Scroll: top to bottom at 60 steps a second, as a fast trackpad flick does,
   while a 5 ms timer records the longest stall of the GUI event loop.

The project is published into a local library folder, as from this computer:
its thumbnails are real 480 px WebPs (the app's size and quality) and its
previews real 1800 px WebPs, hard links of a few distinct images so the disk
does not fill.

    make bench-gallery
    make bench-gallery ARGS="--files 5000 --runs 5"
    make bench-gallery ARGS="--bucket --files 500 --latency-ms 40"

With ``--bucket`` the project is one published from another computer: its
thumbnails and previews are in a bucket (moto, reached through the test proxy
with ``--latency-ms`` each way), none on this computer, and every run starts
without them (the first open on a new computer).

Targets (issue 5): first screen under 0.5 s; no stall over 50 ms while
scrolling. Not a pass/fail test: it prints a table and writes
bench-results/gallery.json.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

DISTINCT = 24  # distinct images; the rest are hard links of them


def make_project(root: Path, files: int) -> None:
    """``root`` as a library folder holding project "big" with ``files`` photos."""
    from lytsite_desktop.core.keys import file_id, manifest_key, original_key, rendition_key
    from lytsite_desktop.core.publish.entry import ManifestEntry, Rendition
    from lytsite_desktop.core.publish.manifest import Manifest
    from tests.support.images import jpeg_bytes, scene

    renditions = []
    for i in range(DISTINCT):
        image = scene((1800, 1200), seed=i)
        out = {}
        for role, size, quality in (("previews", (1800, 1200), 85), ("thumbs", (480, 320), 80)):
            buf = io.BytesIO()
            image.resize(size).save(buf, "WEBP", quality=quality)
            out[role] = (buf.getvalue(), size)
        out["original"] = (jpeg_bytes(scene((600, 400), seed=i)), (600, 400))
        renditions.append(out)
    first: dict[tuple[int, str], Path] = {}
    entries = {}
    for n in range(files):
        path = f"set-{n // 500 + 1}/DSC_{n:05d}.jpg"  # folders of 500 become sections
        i = n % DISTINCT
        sha = f"{n:064x}"
        fid = file_id(sha, path)
        keys = {
            "previews": rendition_key("big", "previews", fid, path, "webp"),
            "thumbs": rendition_key("big", "thumbs", fid, path, "webp"),
            "original": original_key("big", fid, path),
        }
        for role, key in keys.items():
            target = root / key
            target.parent.mkdir(parents=True, exist_ok=True)
            if (i, role) in first:
                os.link(first[i, role], target)
            else:
                target.write_bytes(renditions[i][role][0])
                first[i, role] = target
        preview, thumb = renditions[i]["previews"], renditions[i]["thumbs"]
        entries[path] = ManifestEntry(
            fileId=fid, fileName=path.rsplit("/", 1)[-1], path=path, contentType="image/jpeg",
            size=len(renditions[i]["original"][0]), sha256=sha, originalKey=keys["original"],
            width=6000, height=4000,
            preview=Rendition(keys["previews"], *preview[1], len(preview[0])),
            thumb=Rendition(keys["thumbs"], *thumb[1], len(thumb[0])),
            camera={"make": "Nikon", "model": "Z 8", "exposure": "1/500 s", "iso": "200"},
        )  # fmt: skip
    manifest = Manifest("big", entries, "2026-11-24T10:00:00+00:00")
    (root / manifest_key("big")).write_bytes(manifest.to_json())


def serve_bucket(library: Path, latency: float):  # type: ignore[no-untyped-def]
    """The project's thumbnails, previews and manifest in a moto bucket, behind the
    proxy: (server, proxy)."""
    from concurrent.futures import ThreadPoolExecutor

    from tests.support.netproxy import TcpProxy
    from tests.support.s3server import ACCESS_KEY, REGION, SECRET_KEY, MotoServer

    os.environ.update(
        AWS_ACCESS_KEY_ID=ACCESS_KEY, AWS_SECRET_ACCESS_KEY=SECRET_KEY, AWS_DEFAULT_REGION=REGION
    )
    server = MotoServer(checked=False)
    client = server.client()
    client.create_bucket(Bucket="bench")
    files = [p for p in library.rglob("*") if p.is_file() and "/files/" not in str(p)]
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda p: client.put_object(
            Bucket="bench", Key=p.relative_to(library).as_posix(), Body=p.read_bytes()
        ), files))  # fmt: skip
    print(f"put {len(files)} objects in the bucket")
    return server, TcpProxy(server.port, latency=latency)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", type=Path, default=Path("bench-results/gallery.json"))
    parser.add_argument("--bucket", action="store_true", help="a project published elsewhere")
    parser.add_argument("--latency-ms", type=float, default=40.0, help="one way, with --bucket")
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    work = Path(tempfile.mkdtemp(prefix="lytsite-gallery-bench-"))
    os.environ["LYTSITE_HOME"] = str(work / "home")
    os.environ.pop("AWS_CA_BUNDLE", None)

    from PySide6.QtWidgets import QApplication

    from lytsite_desktop.core.app import App
    from lytsite_desktop.core.gallery.projects import ProjectRef
    from lytsite_desktop.gui.app import keep_responsive
    from lytsite_desktop.gui.gallery.view import GalleryView
    from tests.benchmarks.gui_bench import StallMeter, rss_mb

    started = time.perf_counter()
    library = work / "library"
    make_project(library, args.files)
    print(f"made a {args.files}-photo project in {time.perf_counter() - started:.1f} s")

    qt = QApplication.instance() or QApplication([])
    server = proxy = None
    spec = f"file://{library}"
    if args.bucket:
        server, proxy = serve_bucket(library, args.latency_ms / 1000)
        spec = f"s3://bench?endpoint={proxy.url}&region=us-east-1"
    app = App()
    dest = app.open(app.ref(spec))
    dest.close()
    ref = ProjectRef(dest.ident, "big", args.files, "")
    view = GalleryView(app)
    view.resize(1280, 800)
    view.show()
    qt.processEvents()
    keep_responsive()

    def pump(until, timeout: float) -> float:  # type: ignore[no-untyped-def]
        end = time.perf_counter() + timeout
        while not until():
            if time.perf_counter() > end:
                raise TimeoutError("the gallery did not get there in time")
            qt.processEvents()
            time.sleep(0.001)
        return time.perf_counter()

    def first_screen_painted() -> bool:
        grid = view.grid
        if view.shown is None or view.pages.currentWidget() is not grid:
            return False
        visible = grid.visible_range()
        if not visible:
            return False
        return all(view.cache.get(str(view.items[i].thumb)) is not None for i in visible)

    runs = []
    for run in range(args.runs):
        view.shown = None
        view.cache.forget()
        view.cache._images.clear()  # a cold memory cache: every thumbnail is decoded
        view.cache._bytes = 0
        view.grid.verticalScrollBar().setValue(0)
        if args.bucket:
            app.gallery.forget(ref.dest, ref.project)  # a new computer each time
        opening = StallMeter()  # the GUI thread while the project opens (and fetches)
        t0 = time.perf_counter()
        view.open_project(ref)
        pump(first_screen_painted, 30)
        view.grid.viewport().repaint()  # the paint that shows them, synchronously
        first = time.perf_counter() - t0
        on_screen = len(view.grid.visible_range())
        pump(lambda: not view.busy, 1200)
        everything = time.perf_counter() - t0  # with --bucket: every image fetched
        while_opening = opening.stop()

        bar = view.grid.verticalScrollBar()
        meter = StallMeter()
        step = 120
        scroll_start = time.perf_counter()
        for value in range(0, bar.maximum() + step, step):
            bar.setValue(value)
            tick = time.perf_counter() + 1 / 60
            while time.perf_counter() < tick:
                qt.processEvents()
                time.sleep(0.001)
        pump(lambda: not view.cache.busy, 30)
        stalls = meter.stop()
        result = {
            "run": run + 1,
            "first_screen_s": round(first, 3),
            "thumbnails_on_first_screen": on_screen,
            "all_here_s": round(everything, 2),
            "max_stall_opening_ms": while_opening["max_stall_ms"],
            "scroll_s": round(time.perf_counter() - scroll_start, 1),
            "decoded_while_scrolling": len(view.cache.requested),
            "cache_mb": round(view.cache.used_bytes / 2**20, 1),
            "rss_mb": round(rss_mb(), 1),
            **stalls,
        }
        view.cache.requested.clear()
        runs.append(result)
        print(json.dumps(result))

    view.shutdown()
    app.close()
    if server is not None and proxy is not None:
        proxy.close()
        server.stop()
    summary = {
        "files": args.files,
        "from": f"a bucket, {args.latency_ms:g} ms each way" if args.bucket else "this computer",
        "first_screen_s_median": statistics.median(r["first_screen_s"] for r in runs),
        "first_screen_s_worst": max(r["first_screen_s"] for r in runs),
        "max_stall_ms_worst": max(r["max_stall_ms"] for r in runs),
        "runs": runs,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(summary, indent=2))
    print()
    print(f"{'files':>6} {'first screen':>13} {'worst':>7} {'longest stall':>14} {'p99':>6}")
    print(
        f"{args.files:>6} {summary['first_screen_s_median']:>11.3f} s "
        f"{summary['first_screen_s_worst']:>5.3f} s {summary['max_stall_ms_worst']:>11.1f} ms "
        f"{max(r['p99_stall_ms'] for r in runs):>4.1f} ms"
    )
    print(f"results in {args.out}")
    sys.stdout.flush()
    shutil.rmtree(work, ignore_errors=True)  # its photos and home: 80 MB
    os._exit(0)  # Qt objects and the interpreter's final collection: not worth the risk


if __name__ == "__main__":
    sys.exit(main())
