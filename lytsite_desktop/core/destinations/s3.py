"""An S3-compatible bucket (Cloudflare R2, AWS S3, Backblaze B2, MinIO, Wasabi)."""

from __future__ import annotations

import base64
import logging
from collections.abc import Iterator
from typing import Any

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
from lytsite_desktop.core.destinations.s3_errors import translate_error
from lytsite_desktop.core.destinations.s3_location import (
    S3Credentials,
    S3Location,
    key_pace_for,
)
from lytsite_desktop.core.destinations.s3_requests import (
    FIELDS,
    PutProof,
    checksum_header,
    object_headers,
)
from lytsite_desktop.core.destinations.s3_wire import (
    S3Error,
    S3Wire,
    children,
    text,
    when,
    xml_body,
)
from lytsite_desktop.core.errors import Interrupted, TransientError, UploadGoneError

log = logging.getLogger(__name__)

_READ_CHUNK = 256 * 1024


class S3Destination:
    """One bucket (plus optional prefix) on an S3-compatible service.

    Makes no CreateBucket or ListBuckets calls: R2 tokens scoped to one bucket
    cannot make them. Nothing is retried here; the engine retries with its own
    policy so it can tell the user it is waiting for the network.
    """

    #: Parts per ListParts page (S3's maximum; tests lower it to exercise paging).
    list_page_size = 1000
    write_interval = 1.0
    deletes = True
    sends_unhashed = True

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
        if credentials is not None:
            redact.remember(credentials.secret_access_key)
        self._wire = S3Wire(
            location, credentials, max_connections=max_connections,
            connect_timeout=connect_timeout, read_timeout=read_timeout,
        )  # fmt: skip
        #: Whether a PUT has proven the keys (a large body then asks no "100 Continue").
        self._proof = PutProof()

    # -- helpers -------------------------------------------------------------

    def _key(self, key: str) -> str:
        return self.location.prefix + key

    def _request(self, method: str, key: str = "", *args: Any, xml: bool = False, **kw: Any) -> Any:
        """One request, its failure in our words; with ``xml``, the answer's root
        element (None if empty)."""
        send = self._wire.call if xml else self._wire.request
        try:
            return send(method, key, *args, **kw)
        except Interrupted:
            raise
        except Exception as exc:
            raise translate_error(exc, self.location) from exc

    def _call(self, method: str, key: str = "", *args: Any, **kw: Any) -> Any:
        return self._request(method, key, *args, xml=True, **kw)

    def _pages(self, params: list[tuple[str, str]]) -> Iterator[Any]:
        """ListObjectsV2's pages under ``params``."""
        token = ""
        while True:
            page = self._call(
                "GET", "", [("list-type", "2"), *params]
                + ([("continuation-token", token)] if token else []),
            )  # fmt: skip
            if page is None:
                return
            yield page
            token = text(page, "NextContinuationToken")
            if text(page, "IsTruncated") != "true" or not token:
                return

    # -- Destination ---------------------------------------------------------

    def head(self, key: str) -> ObjectInfo | None:
        try:
            resp = self._wire.request("HEAD", self._key(key))
        except S3Error as exc:
            # HEAD has no error body: 404 is "no such key" (or bucket: the PUT
            # that follows names it); 403 may just mean no list permission.
            if exc.status in (403, 404):
                return None
            raise translate_error(exc, self.location) from exc
        except Exception as exc:
            raise translate_error(exc, self.location) from exc
        meta = "x-amz-meta-"
        return ObjectInfo(
            size=int(resp.headers.get("Content-Length", 0)),
            etag=resp.headers.get("ETag", "").strip('"'),
            metadata={
                k.lower()[len(meta) :]: v
                for k, v in resp.headers.items()
                if k.lower().startswith(meta)
            },
        )

    def get_bytes(self, key: str) -> bytes | None:
        found = self.get_versioned(key)
        return found[0] if found else None

    def get_versioned(self, key: str) -> tuple[bytes, str] | None:
        try:
            resp = self._wire.request("GET", self._key(key))
            return resp.data, str(resp.headers.get("ETag", ""))
        except S3Error as exc:
            if exc.code in ("NoSuchKey", "404") or (exc.status == 404 and not exc.code):
                return None
            raise translate_error(exc, self.location) from exc
        except Exception as exc:
            raise translate_error(exc, self.location) from exc

    def list_folders(self, prefix: str) -> list[str]:
        under = self._key(prefix)
        names: list[str] = []
        for page in self._pages([("prefix", under), ("delimiter", "/")]):
            for common in children(page, "CommonPrefixes"):
                names.append(text(common, "Prefix")[len(under) :].rstrip("/"))
        return names

    def read_range(
        self, key: str, start: int, length: int | None = None
    ) -> tuple[int, Iterator[bytes]]:
        last = "" if length is None else str(start + length - 1)
        extra = {"Range": f"bytes={start}-{last}"} if start or last else {}
        resp = self._request("GET", self._key(key), headers=extra, stream=True)
        if "Content-Range" in resp.headers:
            total = int(resp.headers["Content-Range"].rsplit("/", 1)[1])
        else:
            total = int(resp.headers["Content-Length"])

        def chunks() -> Iterator[bytes]:
            try:
                yield from resp.stream(_READ_CHUNK)
            except Exception as exc:
                raise translate_error(exc, self.location) from exc
            finally:
                resp.release_conn()

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
        headers = {
            "Content-Length": str(len(data)),
            **checksum_header(Checksum.of_bytes(self.checksum, data)),
            "Content-Type": content_type,
            "Cache-Control": cache_control,
        }
        if if_match:
            headers["If-Match"] = if_match
        elif if_none_match:
            headers["If-None-Match"] = "*"
        with self._proof.put(len(data)):
            resp = self._request("PUT", self._key(key), headers=headers, body=data)
        return str(resp.headers.get("ETag", ""))

    def list_objects(self, prefix: str) -> list[StoredObject]:
        found: list[StoredObject] = []
        cut = len(self.location.prefix)
        for page in self._pages([("prefix", self._key(prefix))]):
            for obj in children(page, "Contents"):
                size, modified = int(text(obj, "Size", "0")), when(text(obj, "LastModified"))
                found.append(StoredObject(text(obj, "Key")[cut:], size, modified))
        return found

    def delete_keys(self, keys: list[str]) -> None:
        for start in range(0, len(keys), 1000):  # S3's most per request
            batch = [("Object", {"Key": self._key(k)}) for k in keys[start : start + 1000]]
            body = xml_body("Delete", batch, Quiet="true")
            answer = self._call(
                "POST", "", [("delete", "")], body=body,
                headers={"Content-MD5": Checksum.of_bytes("md5", body).b64,
                         "Content-Type": "application/xml"},
            )  # fmt: skip
            for error in children(answer, "Error") if answer is not None else ():
                if text(error, "Code") != "NoSuchKey":
                    raise translate_error(
                        S3Error(200, text(error, "Code"), text(error, "Message")), self.location
                    )

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
        sent = {
            "Content-Length": str(size),
            **checksum_header(checksum),
            **object_headers(content_type, metadata, headers),
            **self._proof.headers(size),
        }
        with self._proof.put(size):
            resp = self._request("PUT", self._key(key), headers=sent, body=body)
        return str(resp.headers.get("ETag", "")).strip('"')

    def create_multipart(
        self,
        key: str,
        content_type: str,
        metadata: dict[str, str],
        headers: Headers = NO_HEADERS,
        *,
        checksum: Algorithm = "md5",
    ) -> str:
        sent = object_headers(content_type, metadata, headers)
        if checksum != "md5":
            sent["x-amz-checksum-algorithm"] = checksum.upper()
        answer = self._call("POST", self._key(key), [("uploads", "")], headers=sent)
        upload_id = text(answer, "UploadId") if answer is not None else ""
        if not upload_id:  # an answer cut short, or not S3's: asked again
            raise TransientError("the storage service's answer had no upload id")
        return upload_id

    def upload_part(
        self, key: str, upload_id: str, number: int, body: Body, size: int, checksum: Checksum
    ) -> str:
        resp = self._request(
            "PUT", self._key(key), [("partNumber", str(number)), ("uploadId", upload_id)],
            headers={"Content-Length": str(size), **checksum_header(checksum)}, body=body,
        )  # fmt: skip
        etag = str(resp.headers.get("ETag", "")).strip('"')
        if not etag:  # the completion needs it: the part goes again
            raise TransientError("the storage service's answer had no ETag")
        return etag

    def list_parts(self, key: str, upload_id: str) -> list[PartInfo]:
        parts: list[PartInfo] = []
        marker = 0
        while True:
            page = self._call(
                "GET", self._key(key), [("uploadId", upload_id),
                ("part-number-marker", str(marker)), ("max-parts", str(self.list_page_size))],
            )  # fmt: skip
            if page is None:
                return parts
            for p in children(page, "Part"):
                listed = [(a, text(p, FIELDS[a])) for a in FIELDS if text(p, FIELDS[a])]
                parts.append(
                    PartInfo(
                        int(text(p, "PartNumber")),
                        int(text(p, "Size", "0")),
                        text(p, "ETag").strip('"'),
                        Checksum(listed[0][0], base64.b64decode(listed[0][1])) if listed else None,
                    )
                )
            if text(page, "IsTruncated") != "true":
                return parts
            marker = int(text(page, "NextPartNumberMarker", "0"))

    def complete_multipart(self, key: str, upload_id: str, parts: list[PartInfo]) -> str:
        listed: list[tuple[str, dict[str, str]]] = []
        for p in parts:
            fields = {"PartNumber": str(p.number), "ETag": f'"{p.etag}"'}
            if p.checksum is not None and p.checksum.algorithm in FIELDS:
                fields[FIELDS[p.checksum.algorithm]] = p.checksum.b64
            listed.append(("Part", fields))
        answer = self._call(
            "POST", self._key(key), [("uploadId", upload_id)],
            body=xml_body("CompleteMultipartUpload", listed),
            headers={"Content-Type": "application/xml"},
        )  # fmt: skip
        return text(answer, "ETag").strip('"') if answer is not None else ""

    def abort_multipart(self, key: str, upload_id: str) -> None:
        try:
            self._request("DELETE", self._key(key), [("uploadId", upload_id)])
        except UploadGoneError:
            pass  # already gone: that is what we wanted

    def list_multipart_uploads(self, prefix: str) -> list[MultipartUploadInfo]:
        uploads: list[MultipartUploadInfo] = []
        params = [("uploads", ""), ("prefix", self._key(prefix))]
        cut = len(self.location.prefix)
        while True:
            page = self._call("GET", "", params)
            if page is None:
                return uploads
            for u in children(page, "Upload"):
                uploads.append(
                    MultipartUploadInfo(
                        text(u, "Key")[cut:], text(u, "UploadId"), when(text(u, "Initiated"))
                    )
                )
            if text(page, "IsTruncated") != "true":
                return uploads
            params = [
                ("uploads", ""), ("prefix", self._key(prefix)),
                ("key-marker", text(page, "NextKeyMarker")),
                ("upload-id-marker", text(page, "NextUploadIdMarker")),
            ]  # fmt: skip

    def check_access(self) -> None:
        next(self._pages([("prefix", self.location.prefix), ("max-keys", "1")]), None)

    def close(self) -> None:
        self._wire.close()


def _ident(loc: S3Location) -> str:
    endpoint = loc.endpoint_url or f"aws:{loc.region or ''}"
    return f"s3://{loc.bucket}/{loc.prefix}@{endpoint}"
