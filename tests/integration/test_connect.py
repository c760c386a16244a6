"""The connection test of "Connect a bucket", against moto's server with IAM enforced:
keys with full access, read-only keys, keys for another bucket, unknown keys, a
missing bucket, a server that is not there."""

from __future__ import annotations

import json
import uuid

import boto3
import pytest

from lytsite_desktop.core.destinations.connect import (
    PROBE_PREFIX,
    Provider,
    check_connection,
    open_for_test,
)
from lytsite_desktop.core.destinations.resolve import parse_s3_url
from lytsite_desktop.core.destinations.s3_errors import NO_KEYS
from lytsite_desktop.core.destinations.s3_location import S3Credentials
from tests.conftest import dest_url
from tests.support.s3server import ACCESS_KEY, REGION, SECRET_KEY, MotoServer, free_port

pytestmark = pytest.mark.integration
BUCKET, ELSEWHERE = "photos", "elsewhere"


def _policy(actions: list[str], bucket: str) -> str:
    resources = [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"]
    statement = {"Effect": "Allow", "Action": actions, "Resource": resources}
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


USERS = {
    "writer": (["s3:ListBucket", "s3:GetObject", "s3:PutObject", "s3:DeleteObject"], BUCKET),
    "reader": (["s3:ListBucket", "s3:GetObject"], BUCKET),
    "stranger": (["s3:*"], ELSEWHERE),
}


@pytest.fixture(scope="module")
def iam():  # type: ignore[no-untyped-def]
    """A moto server whose first requests create two buckets and three users (each a
    user, a policy and a key: 2 + 3 * 3 requests); after them, IAM is enforced."""
    server = MotoServer(enforce_auth=True, free_actions=2 + 3 * len(USERS))
    kw = dict(endpoint_url=server.url, region_name=REGION, aws_access_key_id=ACCESS_KEY,
              aws_secret_access_key=SECRET_KEY)  # fmt: skip
    s3, iam_client = boto3.client("s3", **kw), boto3.client("iam", **kw)
    s3.create_bucket(Bucket=BUCKET)
    s3.create_bucket(Bucket=ELSEWHERE)
    keys = {}
    for user, (actions, bucket) in USERS.items():
        iam_client.create_user(UserName=user)
        iam_client.put_user_policy(
            UserName=user, PolicyName="access", PolicyDocument=_policy(actions, bucket)
        )
        key = iam_client.create_access_key(UserName=user)["AccessKey"]
        keys[user] = S3Credentials(key["AccessKeyId"], key["SecretAccessKey"])
    yield server, keys
    server.stop()


def _check(url: str, credentials: S3Credentials | None, provider=Provider.OTHER):
    dest = open_for_test(parse_s3_url(url), credentials, timeout=5)
    try:
        return check_connection(dest, provider=provider)
    finally:
        dest.close()


def test_full_access_passes_every_step_and_leaves_nothing_behind(iam):
    server, keys = iam
    report = _check(dest_url(BUCKET, server.url), keys["writer"])
    assert report.ok, report
    assert [s.name for s in report.steps] == [
        "Find 127.0.0.1", f"Open bucket '{BUCKET}'", "Upload a test file", "Delete the test file",
    ]  # fmt: skip
    writer = keys["writer"]
    s3 = boto3.client("s3", endpoint_url=server.url, region_name=REGION,
                      aws_access_key_id=writer.access_key_id,
                      aws_secret_access_key=writer.secret_access_key)  # fmt: skip
    assert s3.list_objects_v2(Bucket=BUCKET, Prefix=PROBE_PREFIX).get("KeyCount") == 0


def test_a_read_only_token_is_told_it_cannot_write(iam):
    server, keys = iam
    report = _check(dest_url(BUCKET, server.url), keys["reader"], Provider.R2)
    assert not report.ok
    assert [s.ok for s in report.steps] == [True, True, False]
    assert "read-only" in report.advice and "Object Read & Write" in report.advice


def test_a_token_for_another_bucket_is_told_which_bucket_to_add(iam):
    server, keys = iam
    report = _check(dest_url(BUCKET, server.url), keys["stranger"], Provider.R2)
    assert [s.ok for s in report.steps] == [True, False]
    assert f"may not use bucket '{BUCKET}'" in report.advice
    assert "include 'photos' under the buckets" in report.advice


def test_unknown_keys_are_not_accepted(iam):
    server, _ = iam
    wrong = S3Credentials("AKIA" + "X" * 16, uuid.uuid4().hex)
    report = _check(dest_url(BUCKET, server.url), wrong, Provider.R2)
    assert [s.ok for s in report.steps] == [True, False]
    assert "access keys were not accepted" in report.advice
    assert "Secret Access Key" in report.advice  # where R2 shows the right pair


def test_a_missing_bucket_is_named(s3_server):
    report = _check(dest_url("no-such-photos", s3_server.url), None)
    assert [s.ok for s in report.steps] == [True, False]
    assert "There is no bucket called 'no-such-photos'" in report.advice


def test_a_server_that_does_not_answer(tmp_path):
    report = _check(dest_url(BUCKET, f"http://127.0.0.1:{free_port()}"), None)
    assert [s.ok for s in report.steps] == [True, False]
    assert "did not answer" in report.advice


def test_a_host_that_does_not_exist_points_at_the_account_id():
    url = f"s3://{BUCKET}?endpoint=https://not-an-account.invalid&region=auto"
    report = _check(url, S3Credentials("k" * 32, "s" * 64), Provider.R2)
    assert [s.ok for s in report.steps] == [False]
    assert report.steps[0].name == "Find not-an-account.invalid"
    assert "There is no server called not-an-account.invalid" in report.advice
    assert "account ID" in report.advice


def test_no_keys_on_this_computer_is_said_as_such_not_as_a_refusal(s3_server, no_keys_here):
    report = _check(dest_url(BUCKET, s3_server.url), None)
    assert [s.ok for s in report.steps] == [True, False]
    assert report.advice == NO_KEYS  # nothing was asked of the service
    assert "refused" not in report.advice and "Settings → Destinations → Edit…" in report.advice
