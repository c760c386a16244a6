"""The real @uppy/companion (from npm) as a studio deploys it, in its own process,
in front of the tests' S3 server: tests/support/companion/server.mjs."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from tests.support.s3server import ACCESS_KEY, REGION, SECRET_KEY, _ServerProcess

HERE = Path(__file__).resolve().parent / "companion"
TOKEN = "studio-token-alice-0123456789"
PREFIX = "alice/"


class SigningServer(_ServerProcess):
    """Companion on a free loopback port; ``url`` is its ``companion+http://`` DEST.

    ``s3_endpoint`` is where it (and so every signed URL) points: the S3 server,
    or a proxy in front of it. ``tokens`` maps bearer tokens to their prefixes;
    ``revoked`` tokens get 403; ``expires`` is a signed URL's life in seconds;
    ``scatter`` makes it name objects itself, as Companion's default getKey does.
    """

    name = "signing server"

    def __init__(
        self,
        s3_endpoint: str,
        bucket: str,
        *,
        tokens: dict[str, str] | None = None,
        revoked: tuple[str, ...] = (),
        expires: int = 800,
        scatter: bool = False,
        log: Path | None = None,
    ) -> None:
        super().__init__()
        if not (HERE / "node_modules" / "@uppy" / "companion").is_dir():
            raise RuntimeError("@uppy/companion is not installed: run `make test` once")
        tokens = tokens if tokens is not None else {TOKEN: PREFIX}
        env = {
            "PATH": os.environ.get("PATH", ""),
            "PORT": str(self.port),
            "S3_ENDPOINT": s3_endpoint,
            "S3_BUCKET": bucket,
            "S3_KEY": ACCESS_KEY,
            "S3_SECRET": SECRET_KEY,
            "S3_REGION": REGION,
            "TOKENS": ",".join(f"{t}={p}" for t, p in tokens.items()),
            "REVOKED": ",".join(revoked),
            "EXPIRES": str(expires),
            "SCATTER": "1" if scatter else "",
        }
        out = open(log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115
        self.proc = subprocess.Popen(
            ["node", str(HERE / "server.mjs")], cwd=HERE, env=env, stdout=out, stderr=out
        )
        self._wait_until_up()
        self.dest = f"companion+http://127.0.0.1:{self.port}"

    def __enter__(self) -> SigningServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
