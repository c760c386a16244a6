"""A very large file through a faulty link: does it arrive byte-exact, every time,
with flat memory?

One file of random bytes (10 GiB unless --size) goes to Node's s3rver (objects
stream to disk; moto would hold 10 GiB in memory) through the test proxy, which
resets every third connection after it has carried --reset-after bytes and
answers the first request of every fifth with 503 Slow Down. The run is timed
and measured (wall, CPU, peak RSS from the kernel's accounting), then the
object is read back and its SHA-256 compared with the file's.

    make bench-faults                                # 10 GiB (about ten minutes)
    make bench-faults ARGS="--size 2G --runs 3"

Not a pass/fail test: it prints one line per run and writes bench-results/faults.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

from lytsite_desktop.core.sizes import parse_size
from tests.benchmarks.upload_bench import BUCKET, S3rverStore, run_measured
from tests.conftest import sha256_file, write_random
from tests.support.netproxy import Faults, TcpProxy
from tests.support.s3server import REGION


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", default="10G", help="the file's size (10G)")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--reset-after", default="300M", help="bytes a reset connection carries")
    parser.add_argument("--reject-every", type=int, default=5, help="every Nth connection: 503")
    parser.add_argument("--data", type=Path, help="keep the file in this folder and reuse it")
    parser.add_argument("--out", type=Path, default=Path("bench-results/faults.json"))
    args = parser.parse_args()
    size = parse_size(args.size)
    work = Path(tempfile.mkdtemp(prefix="lytsite-faults-"))
    folder = (args.data or work) / f"one-{size}"
    source = folder / "film.mov"
    if not source.exists() or source.stat().st_size != size:
        print(f"making {size / 2**30:.1f} GiB of random bytes in {folder} ...", flush=True)
        write_random(source, size, seed=7)
    expected = sha256_file(source)
    store = S3rverStore(work)
    results = []
    try:
        for run in range(1, args.runs + 1):
            port = store.fresh()
            faults = Faults(
                reset_after=parse_size(args.reset_after),
                reset_every=3,
                reject_every=args.reject_every or None,
            )
            with TcpProxy(port, faults=faults) as proxy:
                env = dict(os.environ, AWS_ACCESS_KEY_ID=store.access_key,
                           AWS_SECRET_ACCESS_KEY=store.secret_key,
                           LYTSITE_HOME=tempfile.mkdtemp(dir=work))  # fmt: skip
                env.pop("AWS_CA_BUNDLE", None)
                url = f"s3://{BUCKET}/faults?endpoint={proxy.url}&region={REGION}&checksum=sha256"
                cmd = [sys.executable, "-m", "lytsite_desktop", "upload", str(folder),
                       "--dest", url, "--json"]  # fmt: skip
                wall, cpu, rss, code = run_measured(cmd, env, work / "stderr.log", timeout=7200)
                resets, rejected = proxy.resets, proxy.rejected
            stored = _stored_copy(store, work)
            exact = stored is not None and sha256_file(stored) == expected
            row = {
                "run": run, "size": size, "seconds": wall, "cpu_seconds": cpu,
                "peak_rss_mb": rss, "exit": code, "resets": resets, "slow_downs": rejected,
                "byte_exact": exact,
            }  # fmt: skip
            results.append(row)
            print(
                f"run {run}: {wall:7.1f} s  cpu {cpu:6.1f} s  rss {rss:5.0f} MB  exit {code}  "
                f"{resets} resets, {rejected} slow-downs  "
                f"{'byte-exact' if exact else 'NOT byte-exact'}",
                flush=True,
            )
    finally:
        store.close()
        shutil.rmtree(work, ignore_errors=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=1))
    return 0 if all(r["byte_exact"] and r["exit"] == 0 for r in results) else 1


def _stored_copy(store: S3rverStore, work: Path) -> Path | None:
    """The object as s3rver keeps it on disk (its data folder: one file per object)."""
    data = work / f"s3rver-{store.runs}" / BUCKET
    found = [p for p in data.rglob("*film.mov._S3rver_object") if p.is_file()]
    return found[0] if found else None


if __name__ == "__main__":
    sys.exit(main())
