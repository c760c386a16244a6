"""What survives a crash on this computer: the SQLite journal and its row locks."""
