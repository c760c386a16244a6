"""Where files go: an S3-compatible bucket or a local folder with the same layout."""

from lytsite_desktop.core.destinations.base import (
    Destination,
    MultipartUploadInfo,
    ObjectInfo,
    PartInfo,
)

__all__ = ["Destination", "MultipartUploadInfo", "ObjectInfo", "PartInfo"]
