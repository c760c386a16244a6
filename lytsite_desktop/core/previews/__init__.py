"""Dual quality: the WebP preview and thumbnail of each file, made in worker processes
and kept in a cache by content."""
