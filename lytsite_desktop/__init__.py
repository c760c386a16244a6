"""lytsite-desktop: publish photo folders to your own S3-compatible bucket."""

__version__ = "0.1.0"
