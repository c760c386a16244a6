"""A real S3 server process (moto's) on loopback, for tests and benchmarks."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import boto3
from botocore.config import Config

ACCESS_KEY = "lytsite-test-key"
SECRET_KEY = "lytsite-test-secret"
REGION = "us-east-1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class _ServerProcess:
    """A server in its own process on a free loopback port."""

    name = "server"

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def _wait_until_up(self) -> None:
        assert self.proc is not None
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"{self.name} did not start") from None
                time.sleep(0.1)

    def stop(self) -> None:
        if self.proc is None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


class MotoServer(_ServerProcess):
    """``python -m moto.server`` in its own process; ``url`` is its endpoint."""

    name = "moto server"

    def __init__(
        self,
        *,
        enforce_auth: bool = False,
        free_actions: int = 0,
        log: Path | None = None,
        checked: bool = True,
    ) -> None:
        """``enforce_auth``: requests need keys that moto's IAM knows, after the first
        ``free_actions`` requests (which set IAM up: users, policies, keys).
        ``checked``: bodies are checked against their Content-MD5 or SHA-256 as a
        real store does (tests/support/checked_moto.py); the benchmark runs moto
        as it comes."""
        super().__init__()
        env = dict(os.environ)
        env.pop("AWS_CA_BUNDLE", None)
        if enforce_auth:
            env["INITIAL_NO_AUTH_ACTION_COUNT"] = str(free_actions)
        out = open(log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115
        server = (
            ["tests.support.checked_moto", "127.0.0.1"]
            if checked
            else ["moto.server", "-H", "127.0.0.1", "-p"]
        )
        self.proc = subprocess.Popen(
            [sys.executable, "-m", *server, str(self.port)],
            cwd=Path(__file__).resolve().parents[2],
            env=env,
            stdout=out,
            stderr=out,
        )
        self._wait_until_up()

    def client(self, endpoint: str | None = None, **config: object):  # type: ignore[no-untyped-def]
        return boto3.client(
            "s3",
            endpoint_url=endpoint or self.url,
            region_name=REGION,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
            config=Config(s3={"addressing_style": "path"}, **config),  # type: ignore[arg-type]
        )

    def reset(self) -> None:
        req = urllib.request.Request(self.url + "/moto-api/reset", method="POST")
        urllib.request.urlopen(req, timeout=10).close()


class S3rverServer(_ServerProcess):
    """s3rver (npm), a Node S3 server that streams objects to disk: a second,
    independent server for the benchmark. Started fresh for each run."""

    name = "s3rver"
    ACCESS_KEY = SECRET_KEY = "S3RVER"

    def __init__(self, binary: Path, data_dir: Path, bucket: str) -> None:
        super().__init__()
        data_dir.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen(
            [str(binary), "-d", str(data_dir), "-a", "127.0.0.1", "-p", str(self.port),
             "--silent", "--configure-bucket", bucket],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        self._wait_until_up()
