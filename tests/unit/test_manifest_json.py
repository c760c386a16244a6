"""A long manifest (and the page's file list) goes to and from JSON one file at a
time: the same text as one json.dumps, but never one call into C for the whole
document (which holds Python's lock, and so the window, for all of it)."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from lytsite_desktop.core import jsontext
from lytsite_desktop.core.gallery.webdata import PageData, file_item
from lytsite_desktop.core.publish.entry import ManifestEntry
from lytsite_desktop.core.publish.manifest import Manifest
from tests.support.gallery import listed_photo

N = 400


def entry(i: int) -> ManifestEntry:
    return replace(listed_photo(i, f"Jörg_{i}.jpg"), publishedAt="2026-12-01T10:00:00.000000+00:00",
                   color="#a0b0c0")  # fmt: skip


def big_manifest() -> Manifest:
    m = Manifest("p", {e.path: e for e in map(entry, range(N))}, "2026-12-01T10:00:00+00:00")
    m.title, m.order, m.removed = "Ana & João <3", ["0" * 16], {"x.jpg": "2026-11-30"}
    return m


def one_shot(m: Manifest) -> bytes:
    """What the manifest was before: the whole document through json.dumps."""
    doc: dict[str, object] = {"schema": "lytsite.manifest/1", "project": m.project,
                              "updatedAt": m.updated_at, "title": m.title, "order": m.order,
                              "removed": m.removed}  # fmt: skip
    doc["files"] = [e.to_dict() for e in sorted(m.files.values(), key=lambda e: e.path)]
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode()


@pytest.fixture
def encodes(monkeypatch) -> list[int]:
    """The length of the text each call into json's C encoder makes."""
    from json import encoder

    real = encoder.c_make_encoder
    assert real is not None
    sizes: list[int] = []

    def counting(*args):
        made = real(*args)

        def run(value, level):
            chunks = made(value, level)
            sizes.append(sum(map(len, chunks)))
            return chunks

        return run

    monkeypatch.setattr(encoder, "c_make_encoder", counting)
    return sizes


@pytest.fixture
def decodes(monkeypatch) -> list[int]:
    """How many characters each call into json's C decoder reads."""
    real = json.JSONDecoder.raw_decode
    spans: list[int] = []

    def counting(self, s, idx=0):
        value, end = real(self, s, idx)
        spans.append(end - idx)
        return value, end

    monkeypatch.setattr(json.JSONDecoder, "raw_decode", counting)
    return spans


def test_a_long_manifest_is_the_same_text_encoded_a_file_at_a_time(encodes):
    m = big_manifest()
    data = m.to_json()
    # no call into C made more than one file's text ...
    assert len(encodes) > N and max(encodes) < len(data) / (N / 2)
    assert data == one_shot(m)  # ... for the text one call makes


def test_a_manifest_encodes_a_file_again_only_when_it_changed(encodes):
    m = big_manifest()
    m.to_json()
    encodes.clear()
    changed = replace(m.files["Tag 1/Jörg_7.jpg"], hidden=True)
    m.files[changed.path] = changed
    copy = m.copy()  # what the next write starts from
    data = copy.to_json()
    assert len(encodes) == 2  # the changed file, and the head of the document
    assert data == one_shot(copy) and b'"hidden":true' in data


def test_a_long_manifest_is_read_a_file_at_a_time(decodes):
    m = big_manifest()
    data = m.to_json()
    read = Manifest.from_json("p", data)
    assert read == m and read.to_json() == data
    assert max(decodes) < len(data) / (N / 2)


@pytest.mark.parametrize(
    "text",
    [
        '{"files":[]}',
        ' \n{ "a" : 1 , "files" : [ {"x": [1, 2]} ,\t{"y": "é"} ] , "b": {"files": [3]} }\r\n',
        '{"files": "not a list", "schema": "x"}',
        '{"files":[{"a":1}],"files":[2]}',
        "{}",
        "[1, 2]",
        '"text"',
        '\ufeff{"files":[1]}',
    ],
)
def test_reading_a_file_at_a_time_reads_what_json_reads(text):
    expected = json.loads(text.encode())  # bytes: json's own BOM handling
    assert jsontext.decode(text.encode(), "files") == expected


@pytest.mark.parametrize(
    "text",
    [
        '{"files":[1,]}',
        '{"files":[1 2]}',
        '{"files":[1]',
        '{"a":1,}',
        '{"a" 1}',
        "{1:2}",
        '{"files":[1]} x',
        "",
        '{"files":[{"a":}]}',
    ],
)
def test_reading_a_file_at_a_time_refuses_what_json_refuses(text):
    with pytest.raises(ValueError):
        json.loads(text)
    with pytest.raises(ValueError):
        jsontext.decode(text, "files")


def test_an_unreadable_manifest_reads_as_empty_not_as_an_error():
    assert Manifest.from_json("p", b'{"files":[{"fileId":').files == {}


def test_the_page_s_file_list_is_encoded_a_file_at_a_time(encodes):
    entries = [replace(entry(i), fileName=f"<Jörg & {i}>.jpg") for i in range(N)]
    files = [file_item(e, "projects/p/", "") for e in entries]
    text = PageData("p", "ana@example.com", None, True, files).to_json()
    assert "<" not in text and ">" not in text and "&" not in text
    doc = json.loads(text)
    head = {"project": "p", "contact": "ana@example.com", "expires": None, "downloads": True}
    assert {k: v for k, v in doc.items() if k != "files"} == head
    assert [f["n"] for f in doc["files"]] == [e.fileName for e in entries]
    assert doc["files"][1] == {
        "id": "0000000000000001", "n": "<Jörg & 1>.jpg", "p": "Tag 1/Jörg_1.jpg",
        "c": "EOS R5 · 2026-06-14 15:02", "o": "files/0000000000000001/J%C3%B6rg_1.jpg",
        "os": 8_000_001, "w": "previews/0000000000000001/J%C3%B6rg_1.webp", "ws": 400_000,
        "z": [1800, 6000],
    }  # fmt: skip
    assert max(encodes) < len(text) / (N / 2)


def test_a_manifest_forgets_the_text_of_files_no_longer_listed():
    m = big_manifest()
    m.to_json()
    for path in list(m.files)[:200]:
        del m.files[path]
    data = m.to_json()
    assert data == one_shot(m) and len(m._encoded) == N - 200
