"""A local folder laid out like a bucket (the default destination, and file:// URLs)."""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import tempfile
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

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
    new_hash,
)
from lytsite_desktop.core.destinations.local_files import (
    disk_error,
    etag_of,
    prune_empty,
    read_json,
    sidecar,
    unlink_quietly,
    write_json,
)
from lytsite_desktop.core.errors import (
    DigestMismatchError,
    PermanentError,
    PreconditionFailed,
    UploadGoneError,
)
from lytsite_desktop.core.store.filelock import FileLock

_STAGING = ".lytsite-uploads"
_META = ".lytsite-meta"
_COPY_CHUNK = 1024 * 1024
#: File locks do not exclude threads of one process from each other: this does.
_WRITES = threading.Lock()


class LocalDestination:
    """Objects are files under ``root``; multipart uploads are staged in a hidden
    folder and concatenated on completion, so resume works exactly as on S3.
    Every write lands in a temp file first and is renamed into place.
    """

    #: No store's rate limit here: the manifest is rewritten as soon as files are
    #: done, a moment apart so a burst still costs one write.
    write_interval = 0.05
    key_pace = 0.0
    deletes = True
    #: A copy on this computer waits for nobody: the content id first, as ever.
    sends_unhashed = False
    #: Every write is checked against the checksum it came with, as a store would:
    #: a whole file's is its SHA-256 (its content id, so no second hash), a part's
    #: an MD5 (a completed upload's ETag is made of them, as S3's).
    checksum: Algorithm = "sha256"
    part_checksum: Algorithm = "md5"

    def __init__(self, root: Path) -> None:
        self.root = root
        self.ident = f"file://{root}"

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if not path.is_relative_to(self.root.resolve()):
            raise PermanentError(f"refusing a key outside the library folder: {key}")
        return path

    def _meta_path(self, key: str) -> Path:
        """Sidecar metadata (ETag, user metadata) lives in a hidden mirror tree."""
        return self.root / _META / (key + ".json")

    def _staging(self, upload_id: str) -> Path:
        return self.root / _STAGING / upload_id

    def _ensure_root(self) -> None:
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise disk_error(exc, self.root) from exc

    def _write_stream(self, target: Path, body: Body, size: int, checksum: Checksum) -> str:
        """Write ``body`` to ``target`` atomically, checked as a store would; its
        ETag is the checksum's hex (an MD5, as S3's, when the checksum is one)."""
        self._ensure_root()
        check = new_hash(checksum.algorithm)
        try:  # a file in the folder's way, a drive gone read-only: the photographer's words
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".part-")
        except OSError as exc:
            raise disk_error(exc, self.root) from exc
        try:
            with os.fdopen(fd, "wb") as out:
                written = 0
                while chunk := body.read(_COPY_CHUNK):
                    check.update(chunk)
                    out.write(chunk)
                    written += len(chunk)
                out.flush()
                os.fsync(out.fileno())
            if written != size:
                raise DigestMismatchError(f"expected {size} bytes, got {written}")
            if check.digest() != checksum.digest:
                raise DigestMismatchError("the bytes received differ from the file's checksum")
            os.replace(tmp, target)
        except OSError as exc:
            unlink_quietly(tmp)
            raise disk_error(exc, self.root) from exc
        except BaseException:
            unlink_quietly(tmp)
            raise
        return check.digest().hex()

    # -- Destination ---------------------------------------------------------

    def head(self, key: str) -> ObjectInfo | None:
        path = self._path(key)
        try:
            size = path.stat().st_size
        except (FileNotFoundError, NotADirectoryError):  # a file where a folder would be
            return None
        except OSError as exc:
            raise disk_error(exc, self.root) from exc
        meta = read_json(self._meta_path(key))
        return ObjectInfo(size=size, etag=meta.get("etag", ""), metadata=meta.get("metadata", {}))

    def get_bytes(self, key: str) -> bytes | None:
        try:
            return self._path(key).read_bytes()
        except (FileNotFoundError, NotADirectoryError):
            return None
        except OSError as exc:
            raise disk_error(exc, self.root) from exc

    def get_versioned(self, key: str) -> tuple[bytes, str] | None:
        data = self.get_bytes(key)
        return None if data is None else (data, etag_of(data))

    def list_folders(self, prefix: str) -> list[str]:
        try:
            return sorted(p.name for p in self._path(prefix).iterdir() if p.is_dir())
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise disk_error(exc, self.root) from exc

    def read_range(
        self, key: str, start: int, length: int | None = None
    ) -> tuple[int, Iterator[bytes]]:
        path = self._path(key)
        try:
            fh = path.open("rb")
        except FileNotFoundError:
            raise PermanentError(f"{key} is not in the library {self.root}") from None
        except OSError as exc:
            raise disk_error(exc, self.root) from exc
        total = os.fstat(fh.fileno()).st_size

        def chunks() -> Iterator[bytes]:
            left = total - start if length is None else length
            with fh:
                fh.seek(start)
                while left > 0 and (chunk := fh.read(min(_COPY_CHUNK, left))):
                    left -= len(chunk)
                    yield chunk

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
        checksum = Checksum.of_bytes("md5", data)  # its ETag, as S3's
        path = self._path(key)
        # Conditional writes compare and swap under a lock that other processes
        # (another app on this computer, a second home on a shared disk) honour.
        self._ensure_root()
        with _WRITES, FileLock(self.root / _META / ".write-lock"):
            if if_match or if_none_match:
                try:
                    current: str | None = etag_of(path.read_bytes())
                except FileNotFoundError:
                    current = None
                if (if_none_match and current is not None) or (if_match and current != if_match):
                    raise PreconditionFailed("another computer changed it first")
            etag = self._write_stream(path, io.BytesIO(data), len(data), checksum)
            meta = sidecar(etag, {}, content_type, Headers(cache_control=cache_control))
            write_json(self._meta_path(key), meta, self.root)
        return f'"{etag}"'

    def list_objects(self, prefix: str) -> list[StoredObject]:
        found = []
        base = self.root.resolve()
        start = self._path(prefix) if prefix.endswith("/") else self._path(prefix).parent
        for dirpath, dirnames, filenames in os.walk(start):
            dirnames[:] = [d for d in dirnames if d not in (_META, _STAGING)]
            for name in filenames:
                if name.startswith((".part-", ".complete-")):
                    continue
                full = Path(dirpath) / name
                key = full.relative_to(base).as_posix()
                if not key.startswith(prefix):
                    continue
                try:
                    st = full.stat()
                except FileNotFoundError:
                    continue
                found.append(
                    StoredObject(key, st.st_size, datetime.fromtimestamp(st.st_mtime, UTC))
                )
        return sorted(found, key=lambda o: o.key)

    def delete_keys(self, keys: list[str]) -> None:
        for key in keys:
            for path in (self._path(key), self._meta_path(key)):
                try:
                    path.unlink()
                except FileNotFoundError:
                    pass
                except OSError as exc:
                    raise disk_error(exc, self.root) from exc
                prune_empty(path.parent, self.root)

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
        path = self._path(key)
        etag = self._write_stream(path, body, size, checksum)
        write_json(self._meta_path(key), sidecar(etag, metadata, content_type, headers), self.root)
        return etag

    def create_multipart(
        self,
        key: str,
        content_type: str,
        metadata: dict[str, str],
        headers: Headers = NO_HEADERS,
        *,
        checksum: Algorithm = "md5",
    ) -> str:
        self._path(key)  # validates the key
        upload_id = uuid.uuid4().hex
        staging = self._staging(upload_id)
        try:
            staging.mkdir(parents=True)
            write_json(
                staging / "upload.json",
                {
                    "key": key,
                    "initiated": datetime.now(UTC).isoformat(),
                    **sidecar("", metadata, content_type, headers),
                },
                self.root,
            )
        except OSError as exc:
            raise disk_error(exc, self.root) from exc
        return upload_id

    def _upload_dir(self, upload_id: str) -> Path:
        staging = self._staging(upload_id)
        if not (staging / "upload.json").exists():
            raise UploadGoneError("the library no longer knows this upload")
        return staging

    def upload_part(
        self, key: str, upload_id: str, number: int, body: Body, size: int, checksum: Checksum
    ) -> str:
        staging = self._upload_dir(upload_id)
        return self._write_stream(staging / f"{number:05d}.part", body, size, checksum)

    def list_parts(self, key: str, upload_id: str) -> list[PartInfo]:
        staging = self._upload_dir(upload_id)
        parts = []
        for part in sorted(staging.glob("*.part")):
            md5 = hashlib.md5()
            with part.open("rb") as fh:
                while chunk := fh.read(_COPY_CHUNK):
                    md5.update(chunk)
            parts.append(PartInfo(int(part.stem), part.stat().st_size, md5.hexdigest()))
        return parts

    def complete_multipart(self, key: str, upload_id: str, parts: list[PartInfo]) -> str:
        staging = self._upload_dir(upload_id)
        meta = read_json(staging / "upload.json")
        target = self._path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".complete-")
        md5s = b""
        try:
            with os.fdopen(fd, "wb") as out:
                for number, etag in ((p.number, p.etag) for p in parts):
                    part = staging / f"{number:05d}.part"
                    md5 = hashlib.md5()
                    with part.open("rb") as src:
                        while chunk := src.read(_COPY_CHUNK):
                            md5.update(chunk)
                            out.write(chunk)
                    if md5.hexdigest() != etag:
                        raise PermanentError(f"part {number} does not match its ETag")
                    md5s += md5.digest()
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, target)
        except FileNotFoundError as exc:
            unlink_quietly(tmp)
            raise PermanentError(f"a part of this upload is missing: {exc.filename}") from exc
        except OSError as exc:
            unlink_quietly(tmp)
            raise disk_error(exc, self.root) from exc
        etag = f"{hashlib.md5(md5s).hexdigest()}-{len(parts)}"
        meta.pop("key", None)
        meta.pop("initiated", None)
        write_json(self._meta_path(key), {**meta, "etag": etag}, self.root)
        shutil.rmtree(staging, ignore_errors=True)
        return etag

    def abort_multipart(self, key: str, upload_id: str) -> None:
        shutil.rmtree(self._staging(upload_id), ignore_errors=True)

    def list_multipart_uploads(self, prefix: str) -> list[MultipartUploadInfo]:
        uploads = []
        staging_root = self.root / _STAGING
        if not staging_root.is_dir():
            return []
        for staging in staging_root.iterdir():
            meta = read_json(staging / "upload.json")
            key = meta.get("key")
            if isinstance(key, str) and key.startswith(prefix):
                initiated = meta.get("initiated")
                uploads.append(
                    MultipartUploadInfo(
                        key, staging.name, datetime.fromisoformat(initiated) if initiated else None
                    )
                )
        return uploads

    def check_access(self) -> None:
        self._ensure_root()
        if not os.access(self.root, os.W_OK):
            raise PermanentError(f"The library folder {self.root} is not writable.")

    def close(self) -> None:
        pass
