"""Fixtures shared by every test: an isolated LYTSITE_HOME, a real S3 server process,
a bucket per test, and a guard that fails a test which leaks engine threads."""

from __future__ import annotations

import os
import signal
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.s3server import ACCESS_KEY, REGION, SECRET_KEY, MotoServer

# GUI tests run the real widgets without a display.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# A shell without job control starts a background job with Ctrl-C (SIGINT) ignored,
# and the commands the tests start would inherit that: the tests that press Ctrl-C
# on the real command line then saw it run to the end. A handled signal is reset
# to its default in a started command, as a terminal's foreground job has it.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

ENGINE_THREADS = ("upload-", "manifest-writer", "preview-", "session-io", "gallery-")


@pytest.fixture(autouse=True)
def lytsite_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "lytsite-home"
    monkeypatch.setenv("LYTSITE_HOME", str(home))
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.delenv("AWS_CA_BUNDLE", raising=False)
    return home


@pytest.fixture
def no_keys_here(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No keys for botocore to find: not in the environment, no profile, no instance."""
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


@pytest.fixture(autouse=True)
def no_leaked_threads() -> Iterator[None]:
    yield
    deadline = time.monotonic() + 5
    while True:
        leaked = [t.name for t in threading.enumerate() if t.name.startswith(ENGINE_THREADS)]
        if not leaked:
            return
        if time.monotonic() > deadline:
            pytest.fail(f"engine threads still running after the test: {leaked}")
        time.sleep(0.05)


@pytest.fixture(autouse=True)
def no_invalid_state_moves() -> Iterator[None]:
    """Fails a test in which a file made a move the state machine does not have
    (core/states.py logs it as an error rather than crash a photographer's upload)."""
    import logging

    seen: list[str] = []

    class Catch(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            seen.append(record.getMessage())

    handler = Catch(logging.ERROR)
    logger = logging.getLogger("lytsite_desktop.core.states")
    logger.addHandler(handler)
    yield
    logger.removeHandler(handler)
    assert not seen, seen


@pytest.fixture
def memory_keyring():  # type: ignore[no-untyped-def]
    """An in-memory keyring in place of the system's, for the test's length."""
    import keyring

    from tests.support.memkeyring import MemoryKeyring

    previous = keyring.get_keyring()
    ring = MemoryKeyring()
    keyring.set_keyring(ring)
    yield ring
    keyring.set_keyring(previous)


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MotoServer]:
    log = tmp_path_factory.mktemp("moto") / "moto.log"
    server = MotoServer(log=log)
    yield server
    server.stop()


@pytest.fixture
def bucket(s3_server: MotoServer) -> str:
    name = f"test-{uuid.uuid4().hex[:12]}"
    s3_server.client().create_bucket(Bucket=name)
    return name


@pytest.fixture
def s3(s3_server: MotoServer):  # type: ignore[no-untyped-def]
    """A plain boto3 client straight to the server, for checking what arrived."""
    return s3_server.client()


def dest_url(bucket: str, endpoint: str, prefix: str = "", checksum: str = "sha256") -> str:
    """The test server as the app sees R2 (bodies checked by SHA-256); ``checksum="md5"``
    as it sees a store known only to check Content-MD5."""
    path = f"/{prefix}" if prefix else ""
    return f"s3://{bucket}{path}?endpoint={endpoint}&region={REGION}&checksum={checksum}"


def write_random(path: Path, size: int, seed: int = 0) -> Path:
    """A file of ``size`` pseudo-random bytes (incompressible, reproducible)."""
    import random

    rng = random.Random(seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fh:
        remaining = size
        while remaining:
            n = min(remaining, 1 << 20)
            fh.write(rng.randbytes(n))
            remaining -= n
    return path


def sha256_file(path: Path) -> str:
    import hashlib

    h = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def object_sha256(s3, bucket: str, key: str) -> str:  # type: ignore[no-untyped-def]
    """SHA-256 of an object as the server returns it."""
    import hashlib

    return hashlib.sha256(s3.get_object(Bucket=bucket, Key=key)["Body"].read()).hexdigest()
