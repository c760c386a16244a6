"""Turn benchmark results (bench-results/*.json) into the markdown tables of the README.

.venv/bin/python -m tests.benchmarks.report bench-results/s3rver.json bench-results/moto.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

MiB = 1024 * 1024
WORKLOADS = {
    "big": "1 GiB file",
    "many": "300 × 8 MB",
    "mixed": "128 MiB + 40 × 8 MiB",
    "huge": "4 GiB file",
    "photos": "ten 24 MP photos",
}


def table(rows: list[dict]) -> str:
    out = [
        "| workload | link | tool | wall | throughput | link use (sending) | first body "
        "| client CPU | peak RSS | sent |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        use = first = ""
        link = r["link"]
        if link == "shaped":
            mbit = r.get("link_mbit") or 100
            link = f"{mbit:.0f} Mbit/s"
            rate = mbit * 1e6 / 8
            wall_use = r["payload"] / r["seconds"] / rate
            send_use = r["payload"] / r["send_seconds"] / rate if r.get("send_seconds") else 0
            use = f"{wall_use:.0%} ({send_use:.0%})"
            first = f"{r['first_body']:.2f} s" if r.get("first_body") is not None else ""
        status = "" if r["ok"] else " **failed**"
        workload = WORKLOADS.get(r["workload"], r["workload"])
        sent = r["bytes_sent"] / MiB
        out.append(
            f"| {workload} | {link} | {r['tool']}{status} | {r['seconds']:.1f} s "
            f"| {r['rate_mbit']:.0f} Mbit/s | {use} | {first} | {r['cpu_seconds']:.1f} s "
            f"| {r['peak_rss_mb']:.0f} MB | {sent:.0f} MiB |"
        )
    return "\n".join(out)


def main(paths: list[str]) -> int:
    for path in paths:
        rows = json.loads(Path(path).read_text())
        server = rows[0]["server"] if rows else "?"
        print(f"**Server: {server}** ({path})\n")
        print(table(rows))
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
