"""The client's page: its weight, and Lighthouse's scores on a 500-photo project.

The project is made as the gallery benchmark makes it (real 480 px WebP
thumbnails and 1800 px previews), its page written as a publish writes it, and
served over HTTP on loopback with text gzipped, as Cloudflare serves an R2
bucket's public address. Lighthouse (npm ``lighthouse``, installed by
``make bench-page``) runs against Debian's headless chromium with its mobile
preset (a mid-range phone, a throttled 4G link, simulated), several times; the
table shows each category's median.

    make bench-page
    make bench-page ARGS="--files 500 --runs 5"

Targets (issue 16): performance >= 95, accessibility 100, best practices >= 95;
the page's own HTML + CSS + JS under 60 KB gzipped before any photo. Not a
pass/fail test: it prints a table and writes bench-results/page.json.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import statistics
import subprocess
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
LIGHTHOUSE = REPO / ".bench" / "node_modules" / ".bin" / "lighthouse"
CATEGORIES = ("performance", "accessibility", "best-practices")
#: What the page loads before any photo (its CSS is inside index.html); the
#: lightbox's core and CSS wait for the first touch or key.
FIRST = ("index.html", "gallery.js", "photoswipe-lightbox.js")
LATER = ("photoswipe.js", "photoswipe.css")


def gzipped(path: Path) -> int:
    return len(gzip.compress(path.read_bytes(), 9))


def lighthouse(url: str, out: Path) -> dict:
    chrome = shutil.which("chromium") or shutil.which("chromium-browser") or ""
    env = {**os.environ, "CHROME_PATH": chrome}
    subprocess.run(
        [str(LIGHTHOUSE), url, "--quiet", "--output=json", f"--output-path={out}",
         f"--only-categories={','.join(CATEGORIES)}",
         "--chrome-flags=--headless=new --no-sandbox --disable-dev-shm-usage --disable-gpu"],
        check=True, env=env, timeout=300,
    )  # fmt: skip
    return json.loads(out.read_text("utf-8"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=500)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", type=Path, default=Path("bench-results/page.json"))
    args = parser.parse_args()
    if not LIGHTHOUSE.exists():
        print("lighthouse is not installed: run `make bench-page`")
        return 2

    from lytsite_desktop.core.keys import manifest_key
    from lytsite_desktop.core.publish.manifest import Manifest
    from tests.benchmarks.gallery_bench import make_project
    from tests.support.gallery import write_page
    from tests.support.webserver import serve

    work = Path(tempfile.mkdtemp(prefix="lytsite-page-bench-"))
    library = work / "library"
    make_project(library, args.files)
    manifest = Manifest.from_json("big", (library / manifest_key("big")).read_bytes())
    manifest.title, manifest.studio = "Ana & João — Wedding", "Maria Costa Photography"
    manifest.contact = "hello@mariacosta.example"
    for path, entry in list(manifest.files.items()):
        manifest.files[path] = type(entry)(**{**entry.__dict__, "color": "#6d7f8c"})
    index = write_page(library, manifest)
    folder = index.parent
    first = {name: gzipped(folder / name) for name in FIRST}
    later = {name: gzipped(folder / name) for name in LATER}
    runs: dict[str, list[float]] = {c: [] for c in CATEGORIES}
    metrics: dict[str, list[float]] = {}
    with serve(library, compress=True) as (base, _server):
        url = base + "projects/big/index.html"
        for n in range(args.runs):
            report = lighthouse(url, work / f"lighthouse-{n}.json")
            for c in CATEGORIES:
                runs[c].append(round(report["categories"][c]["score"] * 100))
            timed = ("first-contentful-paint", "largest-contentful-paint",
                     "total-blocking-time", "cumulative-layout-shift", "speed-index")  # fmt: skip
            for audit in timed:
                metrics.setdefault(audit, []).append(report["audits"][audit]["numericValue"])
            modes = ("binary", "numeric", "metricSavings")
            failed = [a["id"] for a in report["audits"].values()
                      if a.get("score") is not None and a["score"] < 0.9
                      and a.get("scoreDisplayMode") in modes]  # fmt: skip
            if failed:
                print(f"run {n + 1}: audits below 0.9: {', '.join(sorted(failed))}")
    result = {
        "files": args.files,
        "runs": args.runs,
        "scores": {c: statistics.median(v) for c, v in runs.items()},
        "all_scores": runs,
        "metrics_ms": {k: round(statistics.median(v), 3) for k, v in metrics.items()},
        "first_bytes_gzip": first,
        "first_total_gzip": sum(first.values()),
        "later_bytes_gzip": later,
    }
    print(f"\nThe client's page, {args.files} photos, Lighthouse mobile preset, median of "
          f"{args.runs} runs:")  # fmt: skip
    print("| category | score | runs |\n|---|---:|---|")
    for c in CATEGORIES:
        print(f"| {c} | {result['scores'][c]:.0f} | {' / '.join(map(str, runs[c]))} |")
    print("\n| metric | median |\n|---|---:|")
    for k, v in result["metrics_ms"].items():
        print(f"| {k} | {v:.3f} |" if k == "cumulative-layout-shift" else f"| {k} | {v:.0f} ms |")
    first_kib = result["first_total_gzip"] / 1024
    print(f"\nHTML + CSS + JS before any photo: {first_kib:.1f} KiB gzipped "
          f"({', '.join(f'{k} {v / 1024:.1f}' for k, v in first.items())}); the lightbox's "
          f"core, at the first touch or key: {sum(later.values()) / 1024:.1f} KiB")  # fmt: skip
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2))
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
