"""The S3 client, made quickly.

botocore reads its data files (S3's model, its endpoint rules, the 1.2 MB table
of AWS endpoints) with ``json.loads(..., object_pairs_hook=OrderedDict)``: 0.1 s
of every command that reaches a bucket, 60 ms of it for the endpoints table
alone. Dicts keep their order (Python 3.7 on), so the same files read as plain
dicts are the same model, three to six times sooner. The collector is paused
meanwhile: the model is some 100,000 objects that all live on, and its passes
over them while they are made cost a third of the time. boto3's session is not
used: it wraps botocore's and adds the transfer manager (this app sends its own
parts), and loading it costs another 20 ms.
"""

from __future__ import annotations

import gzip
import json
import os
from typing import Any

import botocore.loaders
import botocore.session
from botocore.config import Config

from lytsite_desktop.core.platform.collector import collector_paused


class PlainJSONFileLoader(botocore.loaders.JSONFileLoader):
    """botocore's data files (``.json``, else ``.json.gz``) as plain dicts."""

    def load_file(self, file_path: str) -> Any:
        for ext, opener in ((".json", open), (".json.gz", gzip.open)):
            full = file_path + ext
            if os.path.isfile(full):
                with opener(full, "rb") as fh:
                    return json.loads(fh.read().decode("utf-8"))
        return None


def s3_client(
    endpoint_url: str | None,
    config: Config,
    access_key_id: str | None = None,
    secret_access_key: str | None = None,
) -> Any:
    """An S3 client (botocore's), its data read as plain dicts; without keys, the
    usual places are looked in (the environment, ``~/.aws``)."""
    with collector_paused():
        session = botocore.session.get_session()
        loader = botocore.loaders.create_loader(session.get_config_variable("data_path"))
        loader.file_loader = PlainJSONFileLoader()
        session.register_component("data_loader", loader)
        return session.create_client(
            "s3", endpoint_url=endpoint_url, config=config,
            aws_access_key_id=access_key_id, aws_secret_access_key=secret_access_key,
        )  # fmt: skip
