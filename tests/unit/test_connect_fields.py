"""Reading the Connect-a-bucket form before any request: the R2 mistakes people make."""

from __future__ import annotations

from lytsite_desktop.core.destinations.connect import BucketFields, Provider, read_fields
from lytsite_desktop.core.destinations.resolve import parse_s3_url

ACCOUNT = "3f2a4b5c6d7e8f90a1b2c3d4e5f60718"
KEY_ID, SECRET = "a" * 32, "b" * 64


def r2(where: str, bucket: str, key_id: str = KEY_ID, secret: str = SECRET):
    return read_fields(BucketFields(Provider.R2, where, bucket, key_id, secret))


def test_an_account_id_and_a_bucket_make_the_r2_url():
    checked = r2(ACCOUNT, "wedding-photos")
    assert checked.problems == [] and checked.notes == []
    assert checked.url == (
        f"s3://wedding-photos?endpoint=https://{ACCOUNT}.r2.cloudflarestorage.com&region=auto"
    )
    location = parse_s3_url(checked.url)
    assert location.endpoint_url == f"https://{ACCOUNT}.r2.cloudflarestorage.com"
    assert location.bucket == "wedding-photos" and location.region == "auto"


def test_the_endpoint_pasted_from_the_bucket_page_is_split_into_account_and_bucket():
    checked = r2(f"https://{ACCOUNT}.r2.cloudflarestorage.com/wedding-photos", "")
    assert checked.problems == []
    assert (checked.where, checked.bucket) == (ACCOUNT, "wedding-photos")
    assert any("bucket 'wedding-photos'" in n for n in checked.notes)
    assert checked.url is not None and checked.url.startswith("s3://wedding-photos?")


def test_a_pasted_endpoint_naming_another_bucket_is_a_question():
    checked = r2(f"https://{ACCOUNT}.r2.cloudflarestorage.com/proofs", "wedding-photos")
    assert checked.url is None
    assert any("ends with /proofs" in p for p in checked.problems)


def test_the_eu_jurisdiction_keeps_its_part_of_the_address():
    checked = r2(f"{ACCOUNT}.eu.r2.cloudflarestorage.com", "photos")
    assert checked.url is not None
    assert f"https://{ACCOUNT}.eu.r2.cloudflarestorage.com" in checked.url


def test_account_id_and_bucket_name_swapped():
    checked = r2("wedding-photos", ACCOUNT)
    assert checked.url is None
    assert any("looks like a bucket name, not an account ID" in p for p in checked.problems)
    assert any("looks like your account ID, not a bucket name" in p for p in checked.problems)


def test_the_public_r2_dev_address_is_not_the_endpoint():
    checked = r2("https://pub-0123456789abcdef.r2.dev", "photos")
    assert checked.url is None
    assert any("public address" in p and "Public address" in p for p in checked.problems)


def test_the_api_token_value_instead_of_the_s3_key_pair():
    token_value = "Xy" * 20  # a Cloudflare API token is 40 characters
    checked = r2(ACCOUNT, "photos", key_id=token_value, secret=token_value)
    assert checked.url is None
    (problem,) = checked.problems
    assert "32-character key ID and a 64-character secret; these have 40 and 40" in problem
    assert "not the token value" in problem


def test_bucket_names_are_checked():
    assert any("cannot be a bucket name" in p for p in r2(ACCOUNT, "My_Photos").problems)
    assert any("Enter the bucket" in p for p in r2(ACCOUNT, "").problems)


def test_other_services_take_an_endpoint_and_lose_a_pasted_path():
    fields = BucketFields(Provider.OTHER, "s3.us-west-004.backblazeb2.com/photos", "", "k", "s")
    checked = read_fields(fields)
    assert checked.problems == []
    assert checked.url == "s3://photos?endpoint=https://s3.us-west-004.backblazeb2.com"


def test_amazon_s3_needs_only_a_region():
    checked = read_fields(BucketFields(Provider.S3, "eu-west-1", "photos", "AKIA1", "secret"))
    assert checked.url == "s3://photos?region=eu-west-1"
    location = parse_s3_url(checked.url)
    assert location.endpoint_url is None and location.addressing_style == "virtual"
