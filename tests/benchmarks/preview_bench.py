"""Preview benchmark: lytsite-desktop's previews against vipsthumbnail and plain Pillow.

Part 1, previews per second on camera-like JPEGs (24 MP and 45 MP), each tool
using both cores of this machine:

- lytsite: the app's own path (PreviewMaker: worker processes, DCT-scaled decode,
  resize, orientation and ICC to sRGB on the small image, a 1800 px WebP q85 *and*
  a 480 px thumbnail), one worker per core.
- vipsthumbnail (Debian's libvips-tools): the same 1800 px WebP q85, metadata
  stripped; two processes, each with half the files.
- naive: ``Image.open`` + ``Image.thumbnail((1800, 1800))`` + WebP q85, in a pool
  of two processes.

Part 2, uploads while previews are made: all those JPEGs published through a
shaped link (100 Mbit/s, 40 ms) with previews on and off; the share of the link
used shows whether preview work starves the uploads.

Part 3, a whole publish as one command: ``lytsite-desktop upload FOLDER --dest
file:///...`` of 10 and of 100 24 MP JPEGs (hash, preview, thumbnail, copy,
manifest, page; a fresh home each time, the app's bytecode as `make setup`
compiles it, nothing compiled at run time), against vipsthumbnail making only
the 1800 px WebPs of the same files.

    make bench-previews                     # both parts (a few minutes)
    make bench-previews ARGS="--quick"      # fewer files
    make bench-previews ARGS="--part 1"
    make bench-previews ARGS="--part 3 --publish 10,100 --repeat 5"

Not a pass/fail test: it prints tables and writes bench-results/previews.json.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from PIL import Image

from lytsite_desktop.core.config.settings import PreviewSettings
from lytsite_desktop.core.ingest.filetypes import sniff
from lytsite_desktop.core.previews.maker import PreviewMaker

SIZES = {"24MP": (6000, 4000), "45MP": (8256, 5504)}
CORES = os.cpu_count() or 2


def camera_like(path: Path, size: tuple[int, int], seed: int) -> None:
    """A JPEG with the texture of a photo (gradients, detail, sensor noise), q92,
    4:2:0, with camera EXIF: about the bytes per pixel of a camera's own JPEG."""
    w, h = size
    grad = Image.linear_gradient("L")
    detail = Image.effect_mandelbrot((w // 8, h // 8), (-2.2 + seed * 0.01, -1.2, 1.0, 1.2), 60)
    base = Image.merge(
        "RGB",
        [
            grad.resize(size),
            grad.rotate(90 + seed).resize(size),
            detail.resize(size, Image.Resampling.BICUBIC),
        ],
    )
    noise = Image.effect_noise(size, 28).convert("RGB")
    im = Image.blend(base, noise, 0.18)
    exif = Image.Exif()
    exif[0x010F], exif[0x0110], exif[0x0112] = "Bench", "Camera", 1
    im.save(path, "JPEG", quality=92, subsampling=2, exif=exif)


def make_data(root: Path, count: int, sizes: dict[str, int] | None = None) -> dict[str, list[Path]]:
    """``count`` JPEGs of each size (``sizes`` may ask more of some)."""
    data: dict[str, list[Path]] = {}
    for label, size in SIZES.items():
        count_here = max(count, (sizes or {}).get(label, 0))
        folder = root / label
        folder.mkdir(parents=True, exist_ok=True)
        files = []
        for i in range(count_here):
            path = folder / f"IMG_{i:04d}.jpg"
            if not path.exists():
                camera_like(path, size, i)
            files.append(path)
        data[label] = files
    return data


# -- part 1: previews per second -------------------------------------------------------------


def run_lytsite(files: list[Path], out: Path) -> float:
    maker = PreviewMaker(PreviewSettings(workers=CORES), out)
    try:
        # Start the workers first: a long-running app pays this once, not per batch.
        warm = [threading.Thread(target=maker._slots[i]._start) for i in range(CORES)]
        for t in warm:
            t.start()
        for t in warm:
            t.join()
        todo = list(enumerate(files))
        lock = threading.Lock()

        def work(slot: int) -> None:
            while True:
                with lock:
                    if not todo:
                        return
                    i, path = todo.pop(0)
                result = maker.make(str(path), f"{i:064x}", sniff(str(path))).result
                assert result.preview is not None, result.note

        start = time.perf_counter()
        threads = [threading.Thread(target=work, args=(s,)) for s in range(CORES)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return time.perf_counter() - start
    finally:
        maker.close()


def run_vips(files: list[Path], out: Path) -> float:
    vips = shutil.which("vipsthumbnail")
    if not vips:
        raise FileNotFoundError("vipsthumbnail (apt-get install libvips-tools)")
    chunks = [files[i::CORES] for i in range(CORES)]
    start = time.perf_counter()
    procs = [
        subprocess.Popen(
            [vips, "-s", "1800", "-o", f"{out}/%s.webp[Q=85,strip]", *map(str, chunk)],
            env=dict(os.environ, VIPS_CONCURRENCY="1"),
        )
        for chunk in chunks
        if chunk
    ]
    for p in procs:
        if p.wait() != 0:
            raise RuntimeError("vipsthumbnail failed")
    return time.perf_counter() - start


def _naive_one(args: tuple[str, str]) -> None:
    src, dst = args
    with Image.open(src) as im:
        im.thumbnail((1800, 1800))
        im.save(dst, "WEBP", quality=85)


def run_naive(files: list[Path], out: Path) -> float:
    jobs = [(str(p), str(out / (p.stem + ".webp"))) for p in files]
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(CORES) as pool:
        pool.map(_naive_one, jobs[:CORES])  # start the workers before timing
        start = time.perf_counter()
        pool.map(_naive_one, jobs, chunksize=1)
        return time.perf_counter() - start


TOOLS = {"lytsite": run_lytsite, "vipsthumbnail": run_vips, "naive Image.thumbnail": run_naive}


def part1(data: dict[str, list[Path]], repeat: int, work: Path) -> list[dict]:
    """Each round runs every tool once, so noise on a shared machine hits them alike;
    the median round counts."""
    rows = []
    for label, files in data.items():
        times: dict[str, list[float]] = {tool: [] for tool in TOOLS}
        for _ in range(repeat):
            for tool, fn in TOOLS.items():
                out = Path(tempfile.mkdtemp(dir=work))
                try:
                    times[tool].append(fn(files, out))
                except FileNotFoundError as exc:
                    print(f"  {tool}: {exc}; skipped")
                finally:
                    shutil.rmtree(out, ignore_errors=True)
        for tool, runs in times.items():
            if not runs:
                continue
            median = statistics.median(runs)
            row = {
                "images": label,
                "tool": tool,
                "files": len(files),
                "seconds": round(median, 2),
                "per_second": round(len(files) / median, 2),
                "runs": [round(t, 2) for t in runs],
            }
            rows.append(row)
            print(f"{label} {tool:22} {row['per_second']:6.2f} previews/s  ({row['runs']} s)")
    return rows


# -- part 2: uploads while previews are made ---------------------------------------------------


def part2(files: list[Path], work: Path) -> list[dict]:
    from tests.benchmarks.upload_bench import (
        LINK_LATENCY,
        LINK_RATE,
        MotoStore,
        run_measured,
        tool_command,
    )
    from tests.support.netproxy import TcpProxy

    folder = work / "upload"
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir()
    for f in files:
        os.link(f, folder / f"{f.parent.name}-{f.name}")
    store = MotoStore(work)
    rows = []
    try:
        for previews in (True, False):
            port = store.fresh()
            proxy = TcpProxy(port, up_rate=LINK_RATE, down_rate=LINK_RATE, latency=LINK_LATENCY)
            home = Path(tempfile.mkdtemp(prefix="home-", dir=work))
            made = tool_command(store, "lytsite", folder, "bench", "p", proxy.url, home, None)
            assert made is not None
            cmd, env = made
            if not previews:
                cmd.append("--no-previews")
            wall, cpu, rss, code = run_measured(cmd, env, work / "stderr.log", timeout=1800)
            sent = proxy.bytes_up
            sending = (proxy.bulk_last or 0) - (proxy.bulk_first or 0)
            proxy.close()
            row = {
                "previews": previews,
                "files": len(files),
                "seconds": round(wall, 1),
                "cpu_seconds": round(cpu, 1),
                "peak_rss_mb": round(rss),
                "sent_mib": round(sent / 2**20, 1),
                "link_use": round(sent / wall / LINK_RATE, 3),
                "link_use_sending": round(sent / sending / LINK_RATE, 3) if sending else None,
                "ok": code == 0,
            }
            rows.append(row)
            print(
                f"upload, previews {'on ' if previews else 'off'}: {wall:6.1f} s, "
                f"link {row['link_use']:.0%} (while sending {row['link_use_sending']:.0%}), "
                f"cpu {cpu:.1f} s, sent {row['sent_mib']} MiB, {'ok' if code == 0 else 'FAILED'}"
            )
    finally:
        store.close()
    return rows


# -- part 3: a whole publish, one command from start to exit ---------------------------------


def publish_folder(data: Path, files: list[Path], count: int) -> Path:
    """A folder of the first ``count`` 24 MP JPEGs (hard links: no copies)."""
    folder = data / f"publish-{count}"
    folder.mkdir(parents=True, exist_ok=True)
    for path in files[:count]:
        target = folder / path.name
        if not target.exists():
            os.link(path, target)
    return folder


def _timed(cmd: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def part3(data: Path, files: list[Path], counts: list[int], repeat: int, work: Path) -> list[dict]:
    """`lytsite-desktop upload FOLDER --dest file:///...` (hash, preview, thumbnail,
    copy, manifest, page) against vipsthumbnail making only the 1800 px WebPs (two
    processes). Each lytsite run has a fresh home: no preview cache, no hash cache;
    the app's bytecode is what `make setup` compiled (as pip does when it installs
    a wheel) and nothing is written at run time (PYTHONDONTWRITEBYTECODE). The app
    is this checkout's (`-m` from the working directory)."""
    lytsite = [sys.executable, "-m", "lytsite_desktop"]
    vips = shutil.which("vipsthumbnail")
    rows = []
    for count in counts:
        folder = publish_folder(data, files, count)
        times: dict[str, list[float]] = {"lytsite": [], "vipsthumbnail": []}
        for r in range(repeat):
            home, lib, out = work / f"home-{count}-{r}", work / f"lib-{count}-{r}", work / "vout"
            env = dict(os.environ, LYTSITE_HOME=str(home), PYTHONDONTWRITEBYTECODE="1")
            times["lytsite"].append(
                _timed([*lytsite, "upload", str(folder), "--dest", lib.as_uri()], env)
            )
            shutil.rmtree(home), shutil.rmtree(lib)
            if vips:
                shutil.rmtree(out, ignore_errors=True)
                out.mkdir()
                env = dict(os.environ, VIPS_CONCURRENCY="1")
                start = time.perf_counter()
                photos = sorted(map(str, folder.iterdir()))
                command = [vips, "-s", "1800", "-o", f"{out}/%s.webp[Q=85,strip]"]
                procs = [
                    subprocess.Popen([*command, *photos[i::CORES]], env=env) for i in range(CORES)
                ]
                for p in procs:
                    p.wait()
                times["vipsthumbnail"].append(time.perf_counter() - start)
        row = {"photos": count} | {tool: statistics.median(t) for tool, t in times.items() if t}
        row["runs"] = {tool: [round(x, 3) for x in t] for tool, t in times.items() if t}
        rows.append(row)
        vs = f"  vipsthumbnail {row['vipsthumbnail']:.2f} s" if "vipsthumbnail" in row else ""
        print(f"whole publish of {count} x 24 MP: lytsite {row['lytsite']:.2f} s{vs}", flush=True)
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="6 files per size, one run")
    parser.add_argument("--count", type=int, default=16, help="files per size")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--part", choices=["1", "2", "3", "all"], default="all")
    parser.add_argument(
        "--publish", default="10,100", help="part 3: photos per whole publish (10,100)"
    )
    parser.add_argument("--data", type=Path, default=Path(".bench/preview-data"))
    parser.add_argument("--out", type=Path, default=Path("bench-results/previews.json"))
    args = parser.parse_args()
    count, repeat = (6, 1) if args.quick else (args.count, args.repeat)
    publish = [int(n) for n in args.publish.split(",") if n]
    more = {"24MP": max(publish)} if args.part in ("3", "all") and publish else {}
    print(f"making {count} camera-like JPEGs per size in {args.data} ...", flush=True)
    data = make_data(args.data, count, more)
    work = Path(tempfile.mkdtemp(prefix="preview-bench-"))
    results: dict[str, object] = {"cores": CORES, "python": sys.version.split()[0]}
    try:
        if args.part in ("1", "all"):
            results["previews"] = part1({k: v[:count] for k, v in data.items()}, repeat, work)
        if args.part in ("2", "all"):
            results["uploads"] = part2([f for files in data.values() for f in files[:count]], work)
        if args.part in ("3", "all"):
            results["publish"] = part3(args.data, data["24MP"], publish, repeat, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    if args.out.exists():  # one part rerun: the others' results stay
        results = json.loads(args.out.read_text()) | results
    args.out.write_text(json.dumps(results, indent=1))
    print(f"results in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
