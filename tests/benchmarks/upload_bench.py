"""Upload benchmark: lytsite-desktop against awscli and rclone on the same data and server.

Workloads: (a) "big", one 1 GiB file, (b) "many", 300 files of 8 MB, (c) "mixed",
one 128 MiB file and 40 of 8 MiB, (d) "huge", one 4 GiB file (lytsite only: memory
must not grow with file size), (e) "photos", ten 24 MP camera-like JPEGs (lytsite
makes and sends their previews too: how soon the first bytes leave). Links:
"direct" (loopback to the server) and "shaped" (a proxy giving 100 Mbit/s up, or
--rate, and 40 ms one-way latency).
For each run: wall time, client CPU seconds, peak RSS and bytes sent.

lytsite sends each body's SHA-256 (x-amz-checksum-sha256), as it does to R2 and
AWS; --checksum md5 measures the Content-MD5 it sends to other stores.

"lytsite-signed" is lytsite through a studio's upload server (the real Uppy
Companion of packaging/upload-server, signing every part): the server is behind
its own proxy with the same latency, and the signed addresses go through the
shaped link to the store, as they would over the internet.

    make bench                       # everything (about half an hour)
    make bench ARGS="--quick"        # smaller data, a few minutes
    make bench ARGS="--repeat 5"     # direct runs are noisy: the median of 5
    make bench ARGS="--workloads big --links direct --part-sizes 8M,16M"
    make bench ARGS="--server s3rver"   # a second server, Node's s3rver (streams to disk)
    make bench ARGS="--workloads mixed --links shaped --rate 200"
    make bench ARGS="--workloads mixed --links shaped --tools lytsite,lytsite-signed"
    make bench ARGS="--tools lytsite,awscli,rclone"   # without the upload server's rows
    make bench ARGS="--workloads photos --links shaped --rate 200 --shaped-repeat 9"

Not a pass/fail test: it prints a table and writes bench-results/upload.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from tests.conftest import write_random
from tests.support.netproxy import TcpProxy
from tests.support.s3server import ACCESS_KEY, REGION, SECRET_KEY, MotoServer, S3rverServer
from tests.support.signing_server import TOKEN, SigningServer

MB = 1000 * 1000
MiB = 1024 * 1024
LINK_RATE = 100 * MB / 8  # 100 Mbit/s in bytes per second (--rate changes it)
LINK_LATENCY = 0.040  # one way
BUCKET = "bench"


class MotoStore:
    """moto's server (the one the tests use): one process, emptied between runs."""

    name = "moto"
    access_key, secret_key = ACCESS_KEY, SECRET_KEY

    def __init__(self, work: Path) -> None:
        self.server = MotoServer(log=work / "moto.log", checked=False)

    def fresh(self) -> int:
        """An empty bucket; returns the server's port."""
        self.server.reset()
        self.server.client().create_bucket(Bucket=BUCKET)
        return self.server.port

    def close(self) -> None:
        self.server.stop()


class S3rverStore:
    """s3rver from npm (streams objects to disk), installed by `make bench` into
    .bench/; started anew with an empty folder for each run."""

    name = "s3rver"
    access_key, secret_key = S3rverServer.ACCESS_KEY, S3rverServer.SECRET_KEY
    BINARY = Path(".bench/node_modules/.bin/s3rver")

    def __init__(self, work: Path) -> None:
        if not self.BINARY.exists():
            raise SystemExit("s3rver is not installed: run 'make bench' (needs npm)")
        self.work = work
        self.server: S3rverServer | None = None
        self.runs = 0

    def fresh(self) -> int:
        self.close()
        self.runs += 1
        data = self.work / f"s3rver-{self.runs}"
        self.server = S3rverServer(self.BINARY.resolve(), data, BUCKET)
        return self.server.port

    def close(self) -> None:
        if self.server:
            self.server.stop()
            shutil.rmtree(self.work / f"s3rver-{self.runs}", ignore_errors=True)
            self.server = None


Store = MotoStore | S3rverStore


def stored_bytes(store: Store, endpoint: str, prefix: str, tool: str) -> int:
    """Bytes of the files' copies under ``prefix``, as the server lists them (for
    lytsite its originals, not the manifest and the web page beside them)."""
    import boto3

    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=store.access_key,
        aws_secret_access_key=store.secret_key,
    )
    objects = []
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=prefix):
        objects += page.get("Contents", [])
    if tool.startswith("lytsite"):
        objects = [o for o in objects if "/files/" in o["Key"]]
    return sum(o["Size"] for o in objects)


@dataclass
class Result:
    server: str
    tool: str
    workload: str
    link: str
    seconds: float
    cpu_seconds: float
    peak_rss_mb: float
    bytes_sent: int
    payload: int
    ok: bool
    #: shaped link only: from the start of the first file body to the end of the last
    send_seconds: float | None = None
    note: str = ""
    link_mbit: float = 0.0
    #: shaped link only: seconds from the start to the first byte the proxy passed
    #: to the server, and to the first file body (>= 1 MiB)
    first_byte: float | None = None
    first_body: float | None = None

    @property
    def rate_mbit(self) -> float:
        return self.payload * 8 / self.seconds / 1e6 if self.seconds else 0.0

    @property
    def first_bytes(self) -> str:
        if self.first_byte is None:
            return ""
        body = f"{self.first_body:.2f}" if self.first_body is not None else "-"
        return f"  first byte {self.first_byte:.2f} s, body {body} s"

    @property
    def link_use(self) -> str:
        """Share of the shaped link's rate: over the whole run / while sending."""
        if self.link != "shaped":
            return ""
        rate = self.link_mbit * MB / 8
        wall = self.payload / self.seconds / rate
        sending = self.payload / self.send_seconds / rate if self.send_seconds else 0
        return f"link {wall:4.0%} (sending {sending:4.0%})"


WORKLOADS = ("big", "many", "mixed", "huge", "photos")


def make_data(root: Path, workload: str, quick: bool) -> Path:
    """The workload's folder under ``root``, made unless it is there already."""
    scale = 8 if quick else 1
    folder = root / workload
    if folder.exists():
        return folder
    print(f"making the {workload!r} data in {root} ...", flush=True)
    made = root / f".{workload}-making"
    shutil.rmtree(made, ignore_errors=True)
    if workload == "big":
        write_random(made / "big.bin", (1024 * MiB) // scale, seed=1)
    elif workload == "many":
        for i in range(300 // scale):
            write_random(made / f"img_{i:04d}.jpg", 8 * MB, seed=100 + i)
    elif workload == "photos":
        from tests.benchmarks.preview_bench import SIZES, camera_like

        made.mkdir(parents=True)
        for i in range(10 // scale or 1):
            camera_like(made / f"IMG_{i:04d}.jpg", SIZES["24MP"], seed=i)
    elif workload == "mixed":
        write_random(made / "video.mov", (128 * MiB) // scale, seed=2)
        for i in range(40 // scale):
            write_random(made / f"raw_{i:02d}.cr3", 8 * MiB, seed=500 + i)
    else:
        made.mkdir(parents=True)
        with (made / "huge.bin").open("wb") as fh:  # sparse: reads as zeros, costs no disk
            fh.truncate((4096 * MiB) // scale)
    made.rename(folder)
    return folder


def folder_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def loopback_bytes() -> int:
    """Bytes the loopback interface has carried (both directions: one count per packet)."""
    with open("/proc/net/dev") as fh:
        for line in fh:
            name, _, rest = line.partition(":")
            if name.strip() == "lo":
                return int(rest.split()[0])
    return 0


def run_measured(
    cmd: list[str], env: dict[str, str], err: Path, timeout: float
) -> tuple[float, float, float, int]:
    """Run ``cmd`` (stderr to ``err``); return (wall s, CPU s, peak RSS MB, exit status).

    CPU comes from the kernel's accounting of the process and every descendant:
    wait4 counts the children a process waited for, and the ones nobody waits for
    (lytsite's preview server and the workers forked from it, multiprocessing's
    resource tracker, outliving the command by a moment) are handed to this
    process as their subreaper once the command exits, waited for here and counted.
    Peak RSS is the largest VmHWM of the process or any descendant, read from
    /proc while it runs: wait4's ru_maxrss would also count this benchmark's own
    memory, which Linux records when the child execs.
    """
    _become_subreaper()
    start = time.monotonic()
    peak_kb = 0
    seen: set[int] = set()
    with err.open("wb") as err_file:
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=err_file)
        deadline = start + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                proc.kill()
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            tree = _tree(proc.pid)
            seen.update(tree)
            peak_kb = max([peak_kb, *(_hwm_kb(p) for p in tree)])
            time.sleep(0.02)
    wall = time.monotonic() - start
    cpu = usage.ru_utime + usage.ru_stime + _reap(seen - {proc.pid})
    return wall, cpu, peak_kb / 1024, os.waitstatus_to_exitcode(status)


_PR_SET_CHILD_SUBREAPER = 36


def _become_subreaper() -> None:
    """Orphaned descendants of the commands run here become this process's
    children (Linux), so their CPU time can be collected."""
    import ctypes

    ctypes.CDLL(None).prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)


def _reap(pids: set[int], patience: float = 10.0) -> float:
    """Wait for the command's orphans (now this process's children) and return
    the CPU seconds they and the children they waited for used."""
    cpu, deadline = 0.0, time.monotonic() + patience
    while pids and time.monotonic() < deadline:
        for pid in list(pids):
            try:
                done, _, usage = os.wait4(pid, os.WNOHANG)
            except ChildProcessError:  # waited for by its own parent (counted there)
                if not os.path.exists(f"/proc/{pid}"):
                    pids.discard(pid)
                continue
            if done:
                cpu += usage.ru_utime + usage.ru_stime
                pids.discard(pid)
        time.sleep(0.01)
    return cpu


def _tree(pid: int) -> list[int]:
    """``pid`` and its descendants now (the children of any of their threads)."""
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        found.append(p)
        try:
            tasks = os.listdir(f"/proc/{p}/task")
        except OSError:
            continue
        for task in tasks:
            try:
                with open(f"/proc/{p}/task/{task}/children") as fh:
                    todo += [int(c) for c in fh.read().split()]
            except (OSError, ValueError):
                continue
    return found


def _hwm_kb(pid: int) -> int:
    """A process's peak RSS (VmHWM, KiB); 0 once it is gone."""
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def tool_command(
    store: Store,
    tool: str,
    folder: Path,
    bucket: str,
    prefix: str,
    endpoint: str,
    home: Path,
    part_size: str | None,
    checksum: str = "sha256",
    signer: str = "",
) -> tuple[list[str], dict[str, str]] | None:
    env = dict(os.environ)
    env.pop("AWS_CA_BUNDLE", None)  # plain-HTTP loopback endpoint
    env.update(
        AWS_ACCESS_KEY_ID=store.access_key,
        AWS_SECRET_ACCESS_KEY=store.secret_key,
        AWS_DEFAULT_REGION=REGION,
        LYTSITE_HOME=str(home),
    )
    if tool.startswith("lytsite"):
        url = f"s3://{bucket}/{prefix}?endpoint={endpoint}&region={REGION}&checksum={checksum}"
        if tool == "lytsite-signed":  # no bucket keys: only the server's token
            url = signer
            for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
                env.pop(name)
            env["LYTSITE_SIGNER_TOKEN"] = TOKEN
        cmd = [
            sys.executable,
            "-m",
            "lytsite_desktop",
            "upload",
            str(folder),
            "--dest",
            url,
            "--json",
        ]
        if part_size:
            cmd += ["--part-size", part_size]
        return cmd, env
    if tool == "awscli":
        aws = shutil.which("aws", path=str(Path(sys.executable).parent)) or shutil.which("aws")
        if not aws:
            return None
        return [
            aws, "s3", "cp", str(folder), f"s3://{bucket}/{prefix}/", "--recursive",
            "--endpoint-url", endpoint, "--only-show-errors",
        ], env  # fmt: skip
    if tool == "rclone":
        rclone = shutil.which("rclone")
        if not rclone:
            return None
        return [
            rclone, "copy", str(folder), f":s3:{bucket}/{prefix}",
            "--s3-provider", "Other", "--s3-endpoint", endpoint,
            "--s3-access-key-id", store.access_key, "--s3-secret-access-key", store.secret_key,
            "--s3-region", REGION, "--s3-force-path-style", "--s3-no-check-bucket",
        ], env  # fmt: skip
    raise ValueError(tool)


def bench_one(
    store: Store,
    folder: Path,
    workload: str,
    link: str,
    tool: str,
    part_size: str | None,
    work: Path,
    *,
    rate: float = LINK_RATE,
    latency: float = LINK_LATENCY,
    checksum: str = "sha256",
) -> Result | None:
    """One upload of ``folder`` by ``tool`` over ``link`` into a fresh bucket."""
    port = store.fresh()
    direct = f"http://127.0.0.1:{port}"
    proxy = None
    if link == "shaped":
        proxy = TcpProxy(port, up_rate=rate, down_rate=rate, latency=latency)
    endpoint = proxy.url if proxy else direct
    prefix = f"{tool}-{workload}"
    home = Path(tempfile.mkdtemp(prefix="home-", dir=work))  # a fresh journal: no hash cache
    signer = signer_proxy = None
    if tool == "lytsite-signed":
        signer = SigningServer(
            endpoint, BUCKET, tokens={TOKEN: prefix + "/"}, access_key=store.access_key,
            secret_key=store.secret_key, log=work / "companion.log",
        )  # fmt: skip
        if link == "shaped":  # the server is as far away as the store
            signer_proxy = TcpProxy(signer.port, up_rate=rate, down_rate=rate,
                                    latency=latency)  # fmt: skip
    signer_url = f"companion+{signer_proxy.url}" if signer_proxy else signer.dest if signer else ""
    made = tool_command(
        store, tool, folder, BUCKET, prefix, endpoint, home, part_size, checksum, signer_url
    )
    if made is None:
        print(f"  {tool}: not installed, skipped", flush=True)
        return None
    cmd, env = made
    label = tool + (f"@{part_size}" if part_size else "")
    print(f"{workload:5} {link:7} {label:14} ...", end=" ", flush=True)
    lo_before = loopback_bytes()
    err = work / "stderr.log"
    started = time.monotonic()
    wall, cpu, rss, code = run_measured(cmd, env, err, timeout=1800)
    tail = err.read_text(errors="replace")[-400:]
    # Shaped: the proxy counts what crossed the link. Direct: the loopback
    # counter (the requests plus the server's small replies).
    sent = proxy.bytes_up if proxy else loopback_bytes() - lo_before
    send_seconds = first_byte = first_body = None
    if proxy:
        if proxy.bulk_first is not None and proxy.bulk_last is not None:
            send_seconds = proxy.bulk_last - proxy.bulk_first
            first_body = proxy.bulk_first - started
        if proxy.first_up is not None:
            first_byte = proxy.first_up - started
        proxy.close()
    if signer_proxy:
        signer_proxy.close()
    if signer:
        signer.stop()
    stored = stored_bytes(store, direct, prefix, tool)
    payload = folder_size(folder)
    ok = code == 0 and stored == payload
    note = "" if ok else f"exit {code}, stored {stored}: {tail}"
    r = Result(
        store.name, label, workload, link, wall, cpu, rss, sent, payload, ok, send_seconds, note,
        link_mbit=rate * 8 / MB, first_byte=first_byte, first_body=first_body,
    )  # fmt: skip
    print(
        f"{wall:7.1f} s  {r.rate_mbit:7.1f} Mbit/s  cpu {cpu:6.1f} s  rss {rss:6.0f} MB  "
        f"sent {sent / MiB:8.1f} MiB  {r.link_use}{r.first_bytes}  "
        f"{'ok' if ok else 'FAILED ' + note}",
        flush=True,
    )
    return r


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="1/8 of the data")
    parser.add_argument("--workloads", default="big,many,mixed,huge", help=", ".join(WORKLOADS))
    parser.add_argument("--links", default="direct,shaped")
    parser.add_argument("--tools", default="lytsite,lytsite-signed,awscli,rclone")
    parser.add_argument(
        "--server", choices=("moto", "s3rver"), default="moto", help="the local S3 server"
    )
    parser.add_argument("--part-sizes", default="", help="lytsite part sizes to sweep: 8M,16M")
    parser.add_argument(
        "--repeat", type=int, default=3, help="direct runs per case; the median is kept"
    )
    parser.add_argument(
        "--shaped-repeat", type=int, default=1, help="shaped runs per case (first bytes vary)"
    )
    parser.add_argument("--rate", type=float, default=100, help="the shaped link's Mbit/s up")
    parser.add_argument(
        "--latency", type=float, default=LINK_LATENCY * 1000, help="the shaped link's ms one way"
    )
    parser.add_argument(
        "--checksum", choices=("sha256", "md5"), default="sha256", help="what lytsite sends"
    )
    parser.add_argument("--data", type=Path, help="keep the test data in this folder and reuse it")
    parser.add_argument("--out", type=Path, default=Path("bench-results/upload.json"))
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="lytsite-bench-"))
    data_root = args.data or work / "data"
    workloads = args.workloads.split(",")
    data = {w: make_data(data_root, w, args.quick) for w in workloads}
    rate = args.rate * MB / 8
    store: Store = MotoStore(work) if args.server == "moto" else S3rverStore(work)
    print(f"server: {store.name}", flush=True)
    results: list[Result] = []
    sizes = [p for p in args.part_sizes.split(",") if p] or [None]
    try:
        # A fresh server's first upload is slower, whoever sends it (moto, 300 x 8 MB:
        # awscli 9.4 s, then 7.2 and 6.6 s): one run first that is not counted.
        print("warming the server up (not counted):", flush=True)
        for tool in args.tools.split(","):  # the first one installed
            if bench_one(store, data[workloads[0]], workloads[0], "direct", tool, None, work):
                break
        for workload in workloads:
            for link in args.links.split(","):
                cases = [
                    (tool, part_size)
                    for tool in args.tools.split(",")
                    for part_size in (sizes if tool.startswith("lytsite") else [None])
                    # The 4 GiB run checks lytsite's memory only.
                    if workload != "huge" or (tool == "lytsite" and link == "direct")
                ]
                # Direct runs are noisy: keep the median. The shaped link is steady,
                # and the 4 GiB run only checks memory.
                runs = args.repeat if link == "direct" else args.shaped_repeat
                runs = 1 if workload == "huge" else runs
                # Round by round, each tool once a round: what drifts on the machine
                # (the last run's writeback, the page cache) hits every tool alike.
                # The order turns each round, so each tool takes the first seat in
                # turn: it came out slower, whoever sat there (on moto, 300 x 8 MB, four
                # rounds each way: awscli 8.2 s first against 7.3 s second; lytsite 8.1
                # against 7.1 s).
                tries: dict[tuple[str, str | None], list[Result | None]] = {c: [] for c in cases}
                for turn in range(runs):
                    shift = turn % len(cases)
                    for tool, part_size in cases[shift:] + cases[:shift]:
                        tries[(tool, part_size)].append(
                            bench_one(
                                store, data[workload], workload, link, tool, part_size, work,
                                rate=rate, latency=args.latency / 1000, checksum=args.checksum,
                            )
                        )  # fmt: skip
                for case in cases:
                    done = sorted((r for r in tries[case] if r), key=lambda r: r.seconds)
                    if done:
                        results.append(done[len(done) // 2])  # the median run
    finally:
        store.close()
        shutil.rmtree(work, ignore_errors=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    rows = [asdict(r) | {"rate_mbit": r.rate_mbit, "link_use": r.link_use} for r in results]
    args.out.write_text(json.dumps(rows, indent=1))
    print(
        f"\nshaped link: {args.rate:.0f} Mbit/s up, {args.latency:.0f} ms one way; "
        f"lytsite's checksum: {args.checksum}"
    )
    print(f"results written to {args.out}")
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
