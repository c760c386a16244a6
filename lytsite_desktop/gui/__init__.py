"""The desktop window (PySide6). The core never imports from here."""
