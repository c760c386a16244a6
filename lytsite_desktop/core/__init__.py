"""The Qt-free heart of lytsite-desktop: scanning, journal, destinations, transfers, manifest.

Nothing in this package may import PySide6 (tests/unit/test_layers.py checks it).
"""
