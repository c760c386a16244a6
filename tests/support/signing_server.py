"""The studio's upload server (packaging/upload-server: the real @uppy/companion
from npm behind a token check) in its own process, in front of the tests' S3
server, configured as a studio configures it (environment variables)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from tests.support.s3server import ACCESS_KEY, REGION, SECRET_KEY, _ServerProcess

REPO = Path(__file__).resolve().parents[2]
SERVER = REPO / "packaging" / "upload-server"
SCATTER = Path(__file__).resolve().parent / "scatter_server.mjs"
TOKEN = "studio-token-alice-0123456789"
PREFIX = "alice/"


class SigningServer(_ServerProcess):
    """Companion on a free loopback port; ``url`` is its ``companion+http://`` DEST.

    ``s3_endpoint`` is where it (and so every signed URL) points: the S3 server,
    or a proxy in front of it. ``tokens`` maps bearer tokens to their prefixes;
    ``revoked`` tokens get 403; ``expires`` is a signed URL's life in seconds;
    ``scatter`` makes it name objects itself, as Companion's default getKey does;
    ``tmpdir`` is the system's temporary folder as the server sees it.
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
        access_key: str = ACCESS_KEY,
        secret_key: str = SECRET_KEY,
        log: Path | None = None,
        tmpdir: Path | None = None,
    ) -> None:
        super().__init__()
        if not (SERVER / "node_modules" / "@uppy" / "companion").is_dir():
            raise RuntimeError("@uppy/companion is not installed: run `make test` once")
        tokens = tokens if tokens is not None else {TOKEN: PREFIX}
        env = {
            "PATH": os.environ.get("PATH", ""),
            "PORT": str(self.port),
            "S3_ENDPOINT": s3_endpoint,
            "S3_BUCKET": bucket,
            "S3_KEY": access_key,
            "S3_SECRET": secret_key,
            "S3_REGION": REGION,
            "TOKENS": ",".join(f"{t}={p}" for t, p in tokens.items()),
            "REVOKED": ",".join(revoked),
            "EXPIRES": str(expires),
        }
        if tmpdir is not None:
            env["TMPDIR"] = str(tmpdir)
        out = open(log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115
        script = SCATTER if scatter else SERVER / "server.mjs"
        self.proc = subprocess.Popen(
            ["node", str(script)], cwd=SERVER, env=env, stdout=out, stderr=out
        )
        self._wait_until_up()
        self.dest = f"companion+http://127.0.0.1:{self.port}"

    def __enter__(self) -> SigningServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
