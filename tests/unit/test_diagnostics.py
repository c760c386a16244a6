"""The log file, its redaction of secrets and presigned URLs, and crash reports."""

from __future__ import annotations

import io
import logging
import re
import threading

import boto3
import pytest

from lytsite_desktop.core.config.paths import AppPaths
from lytsite_desktop.core.config.redact import REDACTED, Redactor, redact
from lytsite_desktop.core.destinations.s3 import S3Destination
from lytsite_desktop.core.destinations.s3_location import S3Credentials, S3Location
from lytsite_desktop.core.platform import diagnostics

SECRET = "Zq9cS3cr3tAcc3ssK3yNoOneShouldEverSee0123"


@pytest.fixture
def started():  # type: ignore[no-untyped-def]
    err = io.StringIO()
    diag = diagnostics.start(AppPaths.discover(), verbose=True, stderr=err)
    yield diag, err
    diag.stop()


def presigned_url() -> str:
    client = boto3.client(
        "s3", region_name="auto", endpoint_url="https://0123abcd.r2.cloudflarestorage.com",
        aws_access_key_id="AKIAIOSFODNN7EXAMPLE", aws_secret_access_key=SECRET,
    )  # fmt: skip
    return client.generate_presigned_url(
        "get_object", Params={"Bucket": "photos", "Key": "projects/x/files/1/a.jpg"}
    )


def test_a_log_line_with_a_secret_key_and_a_presigned_url_comes_out_redacted(started):
    diag, err = started
    S3Destination(  # a destination with keys: its secret is remembered
        S3Location("photos", "", "https://0123abcd.r2.cloudflarestorage.com", "auto"),
        S3Credentials("AKIAIOSFODNN7EXAMPLE", SECRET),
    ).close()
    url = presigned_url()
    assert "X-Amz-Signature=" in url and "X-Amz-Credential=" in url
    log = logging.getLogger("lytsite_desktop.test")
    log.warning("fetching %s with secret %s", url, SECRET)
    log.info("headers: {'Authorization': b'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/"
             "20261124/auto/s3/aws4_request, SignedHeaders=host, Signature=9f0e1d2c3b4a5968"
             "7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f'}")  # fmt: skip
    log.info("config: aws_secret_access_key = %s; password=hunter2hunter2", "abcdefgh12345678")
    written = diag.log_file.read_text()
    for text in (written, err.getvalue()):
        assert SECRET not in text
        assert "X-Amz-Signature" not in text and "AKIAIOSFODNN7EXAMPLE" not in text
        assert "9f0e1d2c3b4a5968" not in text
        assert "abcdefgh12345678" not in text and "hunter2hunter2" not in text
    line = next(ln for ln in written.splitlines() if "fetching" in ln)
    # what stays is what helps: where the request went, which object
    where = "https://0123abcd.r2.cloudflarestorage.com/photos/projects/x/files/1/a.jpg"
    assert f"{where}?{REDACTED}" in line
    assert line.endswith(f"with secret {REDACTED}")


def test_the_redactor_keeps_ordinary_text():
    text = "published projects/wedding/files/01ab/IMG_0001.jpg (sha256 " + "ab" * 32 + ")"
    redactor = Redactor()
    redactor.remember("wedding")  # too short to be a real key: it would eat ordinary words
    assert redactor(text) == text


def test_the_log_rotates_and_keeps_five_files(started, monkeypatch):
    diag, _ = started
    handler = diag.handlers[0]
    assert isinstance(handler, logging.handlers.RotatingFileHandler)
    handler.maxBytes = 4096
    for i in range(200):
        logging.getLogger("lytsite_desktop.test").info("line %d %s", i, "x" * 100)
    logs = sorted(p.name for p in diag.log_file.parent.glob("lytsite-desktop.log*"))
    assert logs == ["lytsite-desktop.log"] + [f"lytsite-desktop.log.{n}" for n in range(1, 6)]


def test_a_crash_in_a_thread_saves_a_redacted_report(started):
    diag, _ = started
    reports = []
    diag.on_crash = reports.append
    logging.getLogger("lytsite_desktop.test").info("before the crash")

    def boom() -> None:
        raise RuntimeError(f"could not sign https://h/p?X-Amz-Signature=abc123 with {SECRET}")

    redact.remember(SECRET)
    thread = threading.Thread(target=boom, name="upload-7")
    thread.start()
    thread.join()
    assert len(reports) == 1
    report = reports[0]
    assert report.parent == diagnostics.crash_dir(diag.paths)
    text = report.read_text()
    assert text.startswith("lytsite-desktop ") and "crashed (upload-7)" in text
    assert "RuntimeError: could not sign https://h/p?[redacted] with [redacted]" in text
    assert SECRET not in text and "abc123" not in text
    assert re.search(r"Traceback \(most recent call last\):.*in boom", text, re.S)
    assert "before the crash" in text  # the end of the log comes with it


def test_a_folder_that_cannot_be_written_costs_the_log_not_the_program(tmp_path, monkeypatch):
    blocked = tmp_path / "home"
    blocked.mkdir()
    (blocked / "state").write_text("a file where the folder should be")
    monkeypatch.setenv("LYTSITE_HOME", str(blocked))
    err = io.StringIO()
    diag = diagnostics.start(AppPaths.discover(), stderr=err)
    try:
        logging.getLogger("lytsite_desktop.test").warning("still logged to stderr")
    finally:
        diag.stop()
    assert "no log file" in err.getvalue() and "still logged to stderr" in err.getvalue()
