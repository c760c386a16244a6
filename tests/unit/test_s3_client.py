"""The S3 client made from botocore's data read as plain dicts: the same model,
made without the ordered-dict reading that cost every command 0.05 s."""

from __future__ import annotations

import gc

import botocore.loaders
import botocore.session
from botocore.config import Config

from lytsite_desktop.core.destinations.s3_client import PlainJSONFileLoader, s3_client

CONFIG = Config(region_name="auto", signature_version="s3v4", s3={"addressing_style": "path"})


def _usual_client():  # type: ignore[no-untyped-def]
    return botocore.session.get_session().create_client(
        "s3", endpoint_url="http://127.0.0.1:9", config=CONFIG,
        aws_access_key_id="a", aws_secret_access_key="b",
    )  # fmt: skip


def test_the_data_is_read_as_plain_dicts_with_the_same_content():
    usual = botocore.loaders.Loader()
    plain = botocore.loaders.Loader(file_loader=PlainJSONFileLoader())
    for name in ("endpoints", "partitions", "sdk-default-configuration"):
        theirs, ours = usual.load_data(name), plain.load_data(name)
        assert type(ours) is dict and ours == theirs
        assert list(ours) == list(theirs), "the order of keys is kept"
    model = plain.load_service_model("s3", "service-2")
    assert type(model) is dict and model == usual.load_service_model("s3", "service-2")
    assert PlainJSONFileLoader().load_file("/nonexistent/service-2") is None


def test_the_client_speaks_the_same_s3_and_leaves_the_collector_on():
    ours, theirs = s3_client("http://127.0.0.1:9", CONFIG, "a", "b"), _usual_client()
    assert gc.isenabled()
    assert ours.meta.service_model.operation_names == theirs.meta.service_model.operation_names
    put = ours.meta.service_model.operation_model("PutObject")
    assert put.input_shape.members.keys() == (
        theirs.meta.service_model.operation_model("PutObject").input_shape.members.keys()
    )
    assert ours.meta.endpoint_url == "http://127.0.0.1:9" and ours.meta.region_name == "auto"
    request = {"Bucket": "b", "Key": "projects/p/files/x/a.jpg"}
    assert ours.generate_presigned_url("get_object", Params=request, ExpiresIn=60).startswith(
        "http://127.0.0.1:9/b/projects/p/files/x/a.jpg?"
    )
