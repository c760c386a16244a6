"""An S3-compatible bucket (Cloudflare R2, AWS S3, Backblaze B2, MinIO, Wasabi) via botocore."""

from __future__ import annotations

import base64
import logging
from collections.abc import Iterator
from typing import Any, cast

import botocore.exceptions as bexc
from botocore.config import Config

from lytsite_desktop.core.config.redact import redact
from lytsite_desktop.core.destinations.base import (
    NO_HEADERS,
    Algorithm,
    Body,
    Checksum,
    Headers,
    MultipartUploadInfo,
    ObjectInfo,
    PartInfo,
    StoredObject,
)
from lytsite_desktop.core.destinations.s3_client import s3_client
from lytsite_desktop.core.destinations.s3_errors import translate_error
from lytsite_desktop.core.destinations.s3_location import (
    S3Credentials,
    S3Location,
    key_pace_for,
)
from lytsite_desktop.core.destinations.s3_requests import (
    EXPECT_MIN_BODY,
    FIELDS,
    checksum_args,
    header_args,
    no_expect_continue,
    tune_connections,
)
from lytsite_desktop.core.errors import Interrupted, UploadGoneError

log = logging.getLogger(__name__)

_READ_CHUNK = 256 * 1024


class S3Destination:
    """One bucket (plus optional prefix) on an S3-compatible service.

    Makes no CreateBucket or ListBuckets calls: R2 tokens scoped to one bucket
    cannot make them. boto3's own retries are off; the engine retries with its
    own policy so it can tell the user it is waiting for the network.
    """

    #: Parts per ListParts page (S3's maximum; tests lower it to exercise paging).
    list_page_size = 1000
    write_interval = 1.0
    deletes = True

    def __init__(
        self,
        location: S3Location,
        credentials: S3Credentials | None,
        *,
        max_connections: int = 12,
        connect_timeout: float = 10.0,
        read_timeout: float = 60.0,
    ) -> None:
        self.location = location
        self.ident = _ident(location)
        self.checksum: Algorithm = location.checksum
        self.part_checksum: Algorithm = location.part_checksum
        self.key_pace = key_pace_for(location.endpoint_url)
        config = Config(
            region_name=location.region or "auto",
            signature_version="s3v4",
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
            retries={"total_max_attempts": 1, "mode": "standard"},
            max_pool_connections=max_connections,
            tcp_keepalive=True,
            # No aws-chunked bodies with CRC trailers (B2 and GCS refuse them, R2
            # has at times): every body carries Content-MD5 or, where the store
            # checks them, x-amz-checksum-sha256 or -crc32 in a header instead ...
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
            # ... which is why botocore need not SHA-256 the payload for the
            # signature, even on plain-HTTP endpoints (local MinIO, tests).
            s3=cast(
                Any,
                {"addressing_style": location.addressing_style, "payload_signing_enabled": False},
            ),
        )
        if credentials is not None:
            redact.remember(credentials.secret_access_key)
        self._client = s3_client(
            location.endpoint_url, config,
            credentials.access_key_id if credentials else None,
            credentials.secret_access_key if credentials else None,
        )  # fmt: skip
        self._client.meta.events.register("before-sign.s3.UploadPart", no_expect_continue)
        #: Set once a PUT has succeeded: the keys may write here, so a large body
        #: no longer asks "100 Continue" first (see _expect_until_proven).
        self._puts_proven = False
        self._client.meta.events.register("before-sign.s3.PutObject", self._expect_until_proven)
        tune_connections(self._client)

    # -- helpers -------------------------------------------------------------

    def _key(self, key: str) -> str:
        return self.location.prefix + key

    def _call(self, op: str, **kwargs: Any) -> Any:
        try:
            return getattr(self._client, op)(Bucket=self.location.bucket, **kwargs)
        except Interrupted:
            raise
        except Exception as exc:
            raise translate_error(exc, self.location) from exc

    # -- Destination ---------------------------------------------------------

    def head(self, key: str) -> ObjectInfo | None:
        try:
            resp = self._client.head_object(Bucket=self.location.bucket, Key=self._key(key))
        except bexc.ClientError as exc:
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            # HEAD has no error body: 404 is "no such key" (or bucket: the PUT
            # that follows names it); 403 may just mean no list permission.
            if status in (403, 404):
                return None
            raise translate_error(exc, self.location) from exc
        except Exception as exc:
            raise translate_error(exc, self.location) from exc
        return ObjectInfo(
            size=int(resp["ContentLength"]),
            etag=resp.get("ETag", "").strip('"'),
            metadata={k.lower(): v for k, v in resp.get("Metadata", {}).items()},
        )

    def get_bytes(self, key: str) -> bytes | None:
        found = self.get_versioned(key)
        return found[0] if found else None

    def get_versioned(self, key: str) -> tuple[bytes, str] | None:
        try:
            resp = self._client.get_object(Bucket=self.location.bucket, Key=self._key(key))
            return resp["Body"].read(), str(resp.get("ETag", ""))
        except bexc.ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                return None
            raise translate_error(exc, self.location) from exc
        except Exception as exc:
            raise translate_error(exc, self.location) from exc

    def list_folders(self, prefix: str) -> list[str]:
        names: list[str] = []
        pages = self._client.get_paginator("list_objects_v2").paginate(
            Bucket=self.location.bucket, Prefix=self._key(prefix), Delimiter="/"
        )
        try:
            for page in pages:
                for common in page.get("CommonPrefixes", []):
                    names.append(common["Prefix"][len(self._key(prefix)) :].rstrip("/"))
        except Exception as exc:
            raise translate_error(exc, self.location) from exc
        return names

    def read_range(self, key: str, start: int) -> tuple[int, Iterator[bytes]]:
        extra = {"Range": f"bytes={start}-"} if start else {}
        resp = self._call("get_object", Key=self._key(key), **extra)
        total = int(resp["ContentRange"].rsplit("/", 1)[1]) if start else resp["ContentLength"]
        body = resp["Body"]

        def chunks() -> Iterator[bytes]:
            try:
                yield from body.iter_chunks(_READ_CHUNK)
            except Exception as exc:
                raise translate_error(exc, self.location) from exc
            finally:
                body.close()

        return total, chunks()

    def put_bytes(
        self,
        key: str,
        data: bytes,
        content_type: str,
        *,
        cache_control: str = "no-cache",
        if_match: str | None = None,
        if_none_match: bool = False,
    ) -> str:
        condition: dict[str, str] = {}
        if if_match:
            condition["IfMatch"] = if_match
        elif if_none_match:
            condition["IfNoneMatch"] = "*"
        resp = self._call(
            "put_object",
            Key=self._key(key),
            Body=data,
            ContentLength=len(data),
            **checksum_args(Checksum.of_bytes(self.checksum, data)),
            ContentType=content_type,
            CacheControl=cache_control,
            **condition,
        )
        self._puts_proven = True
        return str(resp.get("ETag", ""))

    def list_objects(self, prefix: str) -> list[StoredObject]:
        found: list[StoredObject] = []
        pages = self._client.get_paginator("list_objects_v2").paginate(
            Bucket=self.location.bucket, Prefix=self._key(prefix)
        )
        try:
            for page in pages:
                for obj in page.get("Contents", []):
                    key = obj["Key"][len(self.location.prefix) :]
                    found.append(StoredObject(key, int(obj["Size"]), obj.get("LastModified")))
        except Exception as exc:
            raise translate_error(exc, self.location) from exc
        return found

    def delete_keys(self, keys: list[str]) -> None:
        for start in range(0, len(keys), 1000):  # S3's most per request
            batch = [{"Key": self._key(k)} for k in keys[start : start + 1000]]
            resp = self._call("delete_objects", Delete={"Objects": batch, "Quiet": True})
            errors = [e for e in resp.get("Errors", []) if e.get("Code") != "NoSuchKey"]
            if errors:
                raise translate_error(
                    bexc.ClientError({"Error": errors[0]}, "DeleteObjects"), self.location
                )

    def _expect_until_proven(self, request: Any, **_: Any) -> None:
        """Ask "100 Continue" before a single PUT's body only while no PUT has
        succeeded, and only for a body worth saving (a photo, not a preview, a
        thumbnail, the manifest or the page): a token that may read but not
        write then costs each file a round trip, not its whole body. Once the
        store has taken one, the keys are proven and the round trip would only
        leave an upload slot idle."""
        length = request.headers.get("Content-Length")
        small = length is not None and int(length) < EXPECT_MIN_BODY
        if small or self._puts_proven:
            no_expect_continue(request)

    def put_object(
        self,
        key: str,
        body: Body,
        size: int,
        checksum: Checksum,
        content_type: str,
        metadata: dict[str, str],
        headers: Headers = NO_HEADERS,
    ) -> str:
        resp = self._call(
            "put_object",
            Key=self._key(key),
            Body=body,
            ContentLength=size,
            **checksum_args(checksum),
            ContentType=content_type,
            Metadata=metadata,
            **header_args(headers),
        )
        self._puts_proven = True
        return str(resp.get("ETag", "")).strip('"')

    def create_multipart(
        self,
        key: str,
        content_type: str,
        metadata: dict[str, str],
        headers: Headers = NO_HEADERS,
        *,
        checksum: Algorithm = "md5",
    ) -> str:
        declared = {"ChecksumAlgorithm": checksum.upper()} if checksum != "md5" else {}
        resp = self._call(
            "create_multipart_upload",
            Key=self._key(key),
            ContentType=content_type,
            Metadata=metadata,
            **declared,
            **header_args(headers),
        )
        return str(resp["UploadId"])

    def upload_part(
        self, key: str, upload_id: str, number: int, body: Body, size: int, checksum: Checksum
    ) -> str:
        resp = self._call(
            "upload_part",
            Key=self._key(key),
            UploadId=upload_id,
            PartNumber=number,
            Body=body,
            ContentLength=size,
            **checksum_args(checksum),
        )
        return str(resp["ETag"]).strip('"')

    def list_parts(self, key: str, upload_id: str) -> list[PartInfo]:
        parts: list[PartInfo] = []
        marker = 0
        while True:
            resp = self._call(
                "list_parts",
                Key=self._key(key),
                UploadId=upload_id,
                PartNumberMarker=marker,
                MaxParts=self.list_page_size,
            )
            for p in resp.get("Parts", []):
                listed = [(a, p[FIELDS[a]]) for a in FIELDS if p.get(FIELDS[a])]
                parts.append(
                    PartInfo(
                        int(p["PartNumber"]),
                        int(p["Size"]),
                        p["ETag"].strip('"'),
                        Checksum(listed[0][0], base64.b64decode(listed[0][1])) if listed else None,
                    )
                )
            if not resp.get("IsTruncated"):
                return parts
            marker = int(resp["NextPartNumberMarker"])

    def complete_multipart(self, key: str, upload_id: str, parts: list[PartInfo]) -> str:
        listed: list[dict[str, Any]] = []
        for p in parts:
            listed.append({"PartNumber": p.number, "ETag": f'"{p.etag}"'})
            if p.checksum is not None and p.checksum.algorithm in FIELDS:
                listed[-1][FIELDS[p.checksum.algorithm]] = p.checksum.b64
        resp = self._call(
            "complete_multipart_upload",
            Key=self._key(key),
            UploadId=upload_id,
            MultipartUpload={"Parts": listed},
        )
        return str(resp.get("ETag", "")).strip('"')

    def abort_multipart(self, key: str, upload_id: str) -> None:
        try:
            self._call("abort_multipart_upload", Key=self._key(key), UploadId=upload_id)
        except UploadGoneError:
            pass  # already gone: that is what we wanted

    def list_multipart_uploads(self, prefix: str) -> list[MultipartUploadInfo]:
        uploads: list[MultipartUploadInfo] = []
        kwargs: dict[str, Any] = {"Prefix": self._key(prefix)}
        while True:
            resp = self._call("list_multipart_uploads", **kwargs)
            for u in resp.get("Uploads", []):
                key = u["Key"][len(self.location.prefix) :]
                uploads.append(MultipartUploadInfo(key, u["UploadId"], u.get("Initiated")))
            if not resp.get("IsTruncated"):
                return uploads
            kwargs["KeyMarker"] = resp["NextKeyMarker"]
            kwargs["UploadIdMarker"] = resp["NextUploadIdMarker"]

    def check_access(self) -> None:
        self._call("list_objects_v2", Prefix=self.location.prefix, MaxKeys=1)

    def close(self) -> None:
        self._client.close()


def _ident(loc: S3Location) -> str:
    endpoint = loc.endpoint_url or f"aws:{loc.region or ''}"
    return f"s3://{loc.bucket}/{loc.prefix}@{endpoint}"
