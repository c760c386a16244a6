"""The journal's schema, one migration per version."""

from __future__ import annotations

# Each entry migrates the schema from version i to i+1; never edit a released one.
MIGRATIONS: list[str] = [
    """
    CREATE TABLE files (
        id INTEGER PRIMARY KEY,
        dest TEXT NOT NULL,
        project TEXT NOT NULL,
        rel_path TEXT NOT NULL,
        source_path TEXT NOT NULL,
        size INTEGER NOT NULL,
        mtime_ns INTEGER NOT NULL,
        state TEXT NOT NULL,
        sha256 TEXT,
        file_id TEXT,
        key TEXT,
        content_type TEXT,
        upload_id TEXT,
        part_size INTEGER,
        etag TEXT,
        error TEXT,
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL,
        UNIQUE (dest, project, rel_path)
    );
    CREATE INDEX files_state ON files (state);
    CREATE TABLE parts (
        file INTEGER NOT NULL REFERENCES files (id) ON DELETE CASCADE,
        number INTEGER NOT NULL,
        size INTEGER NOT NULL,
        etag TEXT NOT NULL,
        md5 TEXT NOT NULL,
        PRIMARY KEY (file, number)
    );
    CREATE TABLE destinations (
        ident TEXT PRIMARY KEY,
        spec TEXT NOT NULL
    );
    CREATE TABLE hashes (
        path TEXT PRIMARY KEY,
        size INTEGER NOT NULL,
        mtime_ns INTEGER NOT NULL,
        inode INTEGER NOT NULL,
        sha256 TEXT NOT NULL
    );
    """,
    # 2: why a published file has no preview.
    """
    ALTER TABLE files ADD COLUMN note TEXT;
    """,
    # 3: one vocabulary of states (core/states.py): a published file is "published".
    """
    UPDATE files SET state = 'published' WHERE state = 'done';
    """,
    # 4: deletions decided but maybe not finished (a take-back interrupted by a
    # crash is finished by the next run).
    """
    CREATE TABLE deletions (
        id INTEGER PRIMARY KEY,
        dest TEXT NOT NULL,
        project TEXT NOT NULL,
        versions TEXT,
        keys TEXT NOT NULL,
        created_at REAL NOT NULL
    );
    """,
    # 5: the integrity check a multipart upload was declared with (NULL: Content-MD5),
    # and each part's checksum as it was sent ("sha256:BASE64"; older rows hold
    # the part's MD5 in hex, which nothing needs: a part completes by its ETag).
    """
    ALTER TABLE files ADD COLUMN checksum TEXT;
    ALTER TABLE parts RENAME COLUMN md5 TO checksum;
    """,
    # 6: a failed file the photographer has let go (the window's Clear finished);
    # the others are shown again when the window next starts. Failures recorded
    # before this version count as let go: an update brings back nothing old.
    """
    ALTER TABLE files ADD COLUMN dismissed INTEGER NOT NULL DEFAULT 0;
    UPDATE files SET dismissed = 1 WHERE state = 'failed';
    """,
    # 7: the project's title as typed when the file was queued: a later run (a
    # resume, a retry) writes the project's first manifest with it, not its slug.
    """
    ALTER TABLE files ADD COLUMN title TEXT;
    """,
]
