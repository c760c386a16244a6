"""Slow-link benchmark: when each photo is in the store, by lytsite, awscli and rclone.

Twelve photo-sized files (2.5 MiB) go through the test proxy shaped to a home
uplink (16 Mbit/s, 40 ms one way) into moto. A watcher lists the bucket straight
(not through the proxy) every 50 ms and notes when each file's original appears:
what a photographer waits for, and what a crash would keep. The whole run's
time is the link's; what differs is whether the photos arrive one by one from
the start or all together at the end.

    make bench-slow                     # three rounds, each tool once a round
    make bench-slow ARGS="--rate 8 --repeat 5"

Not a pass/fail test: it prints a table and writes bench-results/slow-link.json.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from tests.benchmarks.upload_bench import BUCKET, MB, MiB, MotoStore, tool_command
from tests.conftest import write_random
from tests.support.netproxy import TcpProxy

FILES, SIZE = 12, int(2.5 * MiB)


def watch(store: MotoStore, prefix: str, started: float, stop: threading.Event) -> dict[str, float]:
    """Seconds from ``started`` at which each original (a file of SIZE bytes)
    under ``prefix`` was first listed."""
    client = store.server.client()
    seen: dict[str, float] = {}
    while not stop.is_set():
        listed = client.list_objects_v2(Bucket=BUCKET, Prefix=prefix).get("Contents", [])
        now = time.monotonic() - started
        for obj in listed:
            if obj["Size"] == SIZE and obj["Key"] not in seen:
                seen[obj["Key"]] = now
        stop.wait(0.05)
    return seen


def run_one(
    store: MotoStore, folder: Path, tool: str, work: Path, rate: float, latency: float
) -> dict[str, object] | None:
    port = store.fresh()
    prefix = f"{tool}-slow"
    home = Path(tempfile.mkdtemp(prefix="home-", dir=work))
    with TcpProxy(port, up_rate=rate, down_rate=rate, latency=latency) as proxy:
        made = tool_command(
            store, tool, folder, BUCKET, prefix, proxy.url, home, None, "sha256", ""
        )
        if made is None:
            print(f"  {tool}: not installed, skipped", flush=True)
            return None
        cmd, env = made
        stop = threading.Event()
        times: dict[str, float] = {}
        started = time.monotonic()
        watcher = threading.Thread(
            target=lambda: times.update(watch(store, prefix, started, stop)), daemon=True
        )
        watcher.start()
        code = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL).returncode  # fmt: skip
        wall = time.monotonic() - started
        stop.set()
        watcher.join()
    arrived = sorted(times.values())
    row = {
        "tool": tool, "ok": code == 0 and len(arrived) == FILES, "wall": wall,
        "first": arrived[0] if arrived else None,
        "half": arrived[FILES // 2 - 1] if len(arrived) >= FILES // 2 else None,
        "last": arrived[-1] if arrived else None, "arrivals": arrived,
    }  # fmt: skip
    print(
        f"{tool:8} wall {wall:5.1f} s  first photo {row['first'] or 0:5.1f} s  "
        f"sixth {row['half'] or 0:5.1f} s  last {row['last'] or 0:5.1f} s  "
        f"{'ok' if row['ok'] else 'FAILED'}",
        flush=True,
    )
    return row


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tools", default="lytsite,awscli,rclone")
    parser.add_argument("--rate", type=float, default=16, help="the link's Mbit/s up")
    parser.add_argument("--latency", type=float, default=40, help="ms one way")
    parser.add_argument("--repeat", type=int, default=3, help="rounds, each tool once a round")
    parser.add_argument("--out", type=Path, default=Path("bench-results/slow-link.json"))
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="lytsite-slow-"))
    folder = work / "photos"
    for i in range(FILES):
        write_random(folder / f"IMG_{i:04d}.jpg", SIZE, seed=700 + i)
    store = MotoStore(work)
    rows = []
    tools = args.tools.split(",")
    try:
        for turn in range(args.repeat):
            shift = turn % len(tools)
            for tool in tools[shift:] + tools[:shift]:
                row = run_one(store, folder, tool, work, args.rate * MB / 8, args.latency / 1000)
                if row:
                    rows.append(row)
    finally:
        store.close()
        shutil.rmtree(work, ignore_errors=True)
    print(f"\n{FILES} files of 2.5 MiB, {args.rate:.0f} Mbit/s up, {args.latency:.0f} ms one way;"
          " medians over the rounds:")  # fmt: skip
    for tool in tools:
        mine = [r for r in rows if r["tool"] == tool and r["ok"]]
        if mine:
            med = {
                k: statistics.median(r[k] for r in mine) for k in ("first", "half", "last", "wall")
            }
            print(f"  {tool:8} first photo {med['first']:5.1f} s, sixth {med['half']:5.1f} s, "
                  f"last {med['last']:5.1f} s, exit {med['wall']:5.1f} s")  # fmt: skip
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(rows, indent=1))
    print(f"results written to {args.out}")
    return 0 if rows and all(r["ok"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
