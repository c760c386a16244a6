"""Previews and thumbnails made by the real worker processes, on images made here."""

from __future__ import annotations

import hashlib
import io
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pikepdf
import pytest
from PIL import Image, ImageCms

from lytsite_desktop.core.config.settings import PreviewSettings
from lytsite_desktop.core.ingest.filetypes import Kind, sniff
from lytsite_desktop.core.previews.maker import PreviewMaker
from lytsite_desktop.core.previews.pool import NICENESS, RenderSlot
from tests.support.dng import make_dng
from tests.support.images import (
    SPACES,
    STORE_FOR_ORIENTATION,
    XMP,
    adobe_rgb_profile,
    cmyk_profile,
    exif_with,
    jpeg_bytes,
    marked_image,
    png_header_only,
    press_colour,
    profile_for,
    rgb48_tiff,
    scene,
    srgb_to_space,
)
from tests.support.previews import make


@pytest.fixture(scope="module")
def maker(tmp_path_factory: pytest.TempPathFactory):
    m = PreviewMaker(PreviewSettings(workers=1, timeout=30), tmp_path_factory.mktemp("cache"))
    yield m
    m.close()


def test_dual_quality_sizes_and_webp(maker, tmp_path):
    src = tmp_path / "wide.jpg"
    src.write_bytes(jpeg_bytes(marked_image((4000, 2500))))
    r, preview = make(maker, src)
    assert (r.width, r.height) == (4000, 2500)
    assert preview is not None and preview.format == "WEBP"
    assert preview.size == (1800, 1125) and (r.preview.width, r.preview.height) == (1800, 1125)
    assert (r.thumb.width, r.thumb.height) == (480, 300)
    assert r.note == ""


def test_small_image_never_upscaled(maker, tmp_path):
    src = tmp_path / "small.png"
    marked_image((300, 200)).save(src)
    r, preview = make(maker, src)
    assert preview.size == (300, 200) and (r.thumb.width, r.thumb.height) == (300, 200)


@pytest.mark.parametrize("orientation", range(1, 9))
def test_every_exif_orientation_comes_out_upright(maker, tmp_path, orientation):
    upright = marked_image((400, 300))
    op = STORE_FOR_ORIENTATION[orientation]
    stored = upright.transpose(op) if op is not None else upright
    src = tmp_path / f"o{orientation}.jpg"
    src.write_bytes(jpeg_bytes(stored, exif=exif_with(orientation)))
    r, preview = make(maker, src)
    assert preview.size == (400, 300), "landscape again, whatever the stored shape"
    assert (r.width, r.height) == (400, 300)
    red = preview.getpixel((20, 20))
    green = preview.getpixel((380, 280))
    assert red[0] > 180 and red[1] < 80, f"top-left should be red, got {red}"
    assert green[1] > 120 and green[0] < 80


@pytest.mark.parametrize("space", list(SPACES))
def test_wide_gamut_photo_matches_srgb_reference(maker, tmp_path, space):
    """An Adobe RGB / Display P3 / ProPhoto JPEG with its profile embedded: the
    preview's pixels match the sRGB colours it was encoded from."""
    colours = [(200, 80, 60), (60, 140, 90), (70, 90, 180), (128, 128, 128), (230, 200, 150)]
    encoded = [srgb_to_space(c, space) for c in colours]
    shift = max(
        abs(a - b) for c, e in zip(colours, encoded, strict=True) for a, b in zip(c, e, strict=True)
    )
    assert shift > 15, "the test colours must differ between the spaces, or it proves nothing"
    im = Image.new("RGB", (200 * len(colours), 200))
    for i, c in enumerate(encoded):
        im.paste(c, (200 * i, 0, 200 * (i + 1), 200))
    src = tmp_path / "wide.jpg"
    src.write_bytes(jpeg_bytes(im, quality=98, icc_profile=profile_for(space)))
    _, preview = make(maker, src)
    for i, expected in enumerate(colours):
        got = preview.getpixel((200 * i + 100, 100))
        assert all(abs(g - e) <= 4 for g, e in zip(got, expected, strict=True)), (i, got, expected)
    assert "icc_profile" not in preview.info  # sRGB, the web's default: no profile needed


def test_preview_carries_no_gps_no_xmp_no_exif_and_original_is_untouched(maker, tmp_path):
    src = tmp_path / "gps.jpg"
    data = jpeg_bytes(marked_image(), exif=exif_with(1, gps=True, camera=True), xmp=XMP)
    src.write_bytes(data)
    original = Image.open(src)
    assert original.getexif().get_ifd(0x8825), "the original has GPS"
    r, preview = make(maker, src)
    assert not preview.getexif(), "no EXIF at all in the preview"
    assert "xmp" not in preview.info and "exif" not in preview.info
    raw = Path(maker.cached(hashlib.sha256(data).hexdigest()).path(r.preview)).read_bytes()
    assert b"GPS" not in raw and b"xmpmeta" not in raw and b"Exif" not in raw
    assert src.read_bytes() == data
    assert r.camera["model"] == "TestCam 1" and r.camera["exposure"] == "1/250 s"
    assert r.camera["aperture"] == "f/2.8" and r.camera["takenAt"] == "2026-11-24T10:30:00"
    assert not any("GPS" in k or "gps" in v.lower() for k, v in r.camera.items())


def test_cmyk_jpeg(maker, tmp_path):
    im = Image.new("CMYK", (300, 200), (0, 255, 255, 0))  # pure red in print terms
    src = tmp_path / "cmyk.jpg"
    im.save(src, quality=95)
    assert Image.open(src).mode == "CMYK"
    _, preview = make(maker, src)
    assert preview.mode == "RGB"
    red, green, blue = preview.getpixel((150, 100))
    assert red > 200 and green < 60 and blue < 60


def test_cmyk_jpeg_with_a_press_profile(maker, tmp_path):
    """A print-ready CMYK JPEG with its press profile: inks come out as that press
    prints them, not as the naive "255 minus ink" conversion would have it."""
    corners = [(1, 0, 0, 0), (0, 1, 0, 0), (0, 0, 1, 0), (0, 0, 0, 1), (1, 1, 0, 0), (0, 0, 0, 0)]
    im = Image.new("CMYK", (200 * len(corners), 200))
    for i, corner in enumerate(corners):
        im.paste(tuple(255 * v for v in corner), (200 * i, 0, 200 * (i + 1), 200))
    src = tmp_path / "press.jpg"
    im.save(src, quality=98, icc_profile=cmyk_profile())
    _, preview = make(maker, src)
    for i, corner in enumerate(corners):
        got = preview.getpixel((200 * i + 100, 100))
        # lcms shows unprinted paper as white on screen (its white-on-white fix-up).
        expected = press_colour(*corner) if any(corner) else (255, 255, 255)
        assert all(abs(g - e) <= 6 for g, e in zip(got, expected, strict=True)), (corner, got)
    assert preview.getpixel((100, 100))[1] < 170, "not the naive (0, 255, 255) cyan"


def test_sixteen_bit_png_scaled_not_clipped(maker, tmp_path):
    grey = Image.new("I;16", (256, 64))
    grey.putdata([x * 256 for _ in range(64) for x in range(256)])  # 0..65280 left to right
    src = tmp_path / "grey16.png"
    grey.save(src)
    rgb16 = tmp_path / "rgb16.png"
    _write_rgb48_png(rgb16, (40000, 20000, 10000))
    _, g = make(maker, src)
    assert abs(g.getpixel((128, 32))[0] - 128) <= 3, "mid-grey stays mid-grey"
    assert g.getpixel((250, 32))[0] > 240 and g.getpixel((4, 32))[0] < 10
    _, c = make(maker, rgb16)
    assert all(abs(a - b) <= 2 for a, b in zip(c.getpixel((5, 5)), (155, 78, 39), strict=True))
    tiff = tmp_path / "scan16.tif"
    rgb48_tiff(tiff, (50000, 20000, 10000))
    _, t = make(maker, tiff)
    assert all(abs(a - b) <= 2 for a, b in zip(t.getpixel((5, 5)), (195, 78, 39), strict=True))


def _write_rgb48_png(path: Path, rgb: tuple[int, int, int]) -> None:
    import struct
    import zlib

    row = b"\0" + struct.pack(">HHH", *rgb) * 16

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    ihdr = struct.pack(">IIBBBBB", 16, 16, 16, 2, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(row * 16))
        + chunk(b"IEND", b"")
    )


def test_greyscale_and_alpha_kept(maker, tmp_path):
    grey = tmp_path / "grey.jpg"
    Image.new("L", (300, 200), 90).save(grey)
    _, g = make(maker, grey)
    assert g.mode == "RGB" and abs(g.getpixel((10, 10))[0] - 90) <= 2
    alpha = tmp_path / "logo.png"
    im = Image.new("RGBA", (300, 200), (0, 0, 255, 0))
    im.paste((0, 0, 255, 255), (100, 50, 200, 150))
    im.save(alpha)
    _, a = make(maker, alpha)
    assert a.mode == "RGBA"
    assert a.getpixel((10, 10))[3] == 0 and a.getpixel((150, 100))[3] == 255


def test_decompression_bomb_refused_with_a_reason(maker, tmp_path):
    src = tmp_path / "bomb.png"
    png_header_only(src, 30000, 30000)
    r, preview = make(maker, src)
    assert preview is None and r.preview is None and r.thumb is None
    assert "900 megapixels" in r.note and "safety limit" in r.note


def test_truncated_jpeg_and_non_image_get_reasons(maker, tmp_path):
    src = tmp_path / "cut.jpg"
    src.write_bytes(jpeg_bytes(marked_image((2000, 1500)))[:5000])
    r, _ = make(maker, src)
    assert r.preview is None and r.damaged
    cut = "it is cut short (an incomplete copy?)"
    assert r.note == f"no preview: the photo could not be read, {cut}"
    assert "truncated" in r.detail  # the decoder's own words: for the log, never shown
    fake = tmp_path / "fake.jpg"
    fake.write_text("not a picture")
    assert sniff(str(fake)).kind is Kind.OTHER
    r, _ = make(maker, fake)
    assert (
        r.preview is None
        and r.note == "no preview: not a picture the app can read, though it is named .jpg"
    )


def test_heic(maker, tmp_path):
    import pillow_heif

    pillow_heif.register_heif_opener()  # to write one here; the workers read it by themselves
    src = tmp_path / "phone.heic"
    marked_image((800, 600)).save(src, format="HEIF", quality=90)
    assert sniff(str(src)).label == "HEIF"
    r, preview = make(maker, src)
    assert preview.size == (800, 600) and r.note == ""
    assert preview.getpixel((10, 10))[0] > 180


def test_raw_uses_embedded_preview_and_its_orientation(maker, tmp_path):
    embedded = marked_image((320, 240)).transpose(Image.Transpose.ROTATE_90)  # stored sideways
    src = tmp_path / "IMG_0001.dng"
    src.write_bytes(make_dng(jpeg_bytes(embedded), embedded.size, orientation=6))
    ftype = sniff(str(src))
    assert ftype.kind is Kind.RAW and ftype.label == "DNG"
    r, preview = make(maker, src)
    assert r.note == "" and preview.size == (320, 240)
    assert preview.getpixel((10, 10))[0] > 180, "upright: red block top-left"


def test_pdfs_valid_encrypted_broken(maker, tmp_path):
    valid = tmp_path / "contract.pdf"
    pdf = pikepdf.new()
    for _ in range(3):
        pdf.add_blank_page(page_size=(595, 842))
    # An uncompressed content stream so the optimised copy is smaller.
    pdf.pages[0].Contents = pdf.make_stream(b"0 0 1 rg 100 100 300 300 re f\n" * 400)
    pdf.save(valid, compress_streams=False)
    r, _ = make(maker, valid)
    assert r.preview is not None and r.preview.name == "preview.pdf", r.note
    assert r.preview.size < valid.stat().st_size
    assert (r.width, r.height) == (595, 842)
    assert r.thumb is not None and max(r.thumb.width, r.thumb.height) == 480
    cached = maker.cached(hashlib.sha256(valid.read_bytes()).hexdigest())
    with pikepdf.open(cached.path(r.preview)) as copy:
        assert copy.is_linearized and len(copy.pages) == 3
    thumb = Image.open(cached.path(r.thumb))
    assert thumb.getpixel((thumb.width // 3, thumb.height - 60))[2] > 200  # the blue square

    locked = tmp_path / "locked.pdf"
    pdf.save(locked, encryption=pikepdf.Encryption(owner="o", user="secret"))
    r, _ = make(maker, locked)
    assert r.preview is None and r.thumb is None and not r.damaged
    assert r.note == "no preview: a password-protected PDF: published as it is, unchanged"

    broken = tmp_path / "broken.pdf"
    broken.write_bytes(valid.read_bytes()[:300] + b"garbage" * 50)
    r, _ = make(maker, broken)
    assert r.preview is None and r.thumb is None and r.damaged
    assert r.note == "no preview: the PDF is damaged: published as it is"
    assert str(tmp_path) not in r.note and "broken.pdf" in r.detail  # the path: the log only


def test_cache_makes_nothing_twice(maker, tmp_path):
    src = tmp_path / "again.jpg"
    src.write_bytes(jpeg_bytes(marked_image((3000, 2000))))
    sha = hashlib.sha256(src.read_bytes()).hexdigest()
    assert maker.cached(sha) is None
    first = maker.make(str(src), sha, sniff(str(src)))
    stamp = first.path(first.result.preview).stat().st_mtime_ns
    slot = maker._slots[0]
    slot.close()  # no worker process left: a second make must not need one
    again = maker.make(str(src), sha, sniff(str(src)))
    assert again.result == first.result and slot._proc is None
    assert again.path(again.result.preview).stat().st_mtime_ns == stamp


def test_hung_and_crashed_decoder_cost_one_preview(tmp_path):
    m = PreviewMaker(PreviewSettings(workers=1, timeout=2), tmp_path / "cache")
    try:
        src = tmp_path / "a.jpg"
        src.write_bytes(jpeg_bytes(marked_image()))
        ftype = sniff(str(src))
        assert m.make(str(src), "1" * 64, ftype).result.note == ""
        slot = m._slots[0]
        os.kill(slot.pid, signal.SIGSTOP)  # the decoder "hangs"
        started = time.monotonic()
        hung = m.make(str(src), "2" * 64, ftype).result
        assert "took longer than 2 s" in hung.note and time.monotonic() - started < 10
        assert m.cached("2" * 64) is None, "a time-out is not remembered"

        assert m.make(str(src), "3" * 64, ftype).result.note == ""  # a fresh worker
        os.kill(slot.pid, signal.SIGSTOP)
        pid = slot.pid
        threading.Timer(0.5, os.kill, (pid, signal.SIGKILL)).start()  # dies mid-job
        crashed = m.make(str(src), "4" * 64, ftype).result
        assert (
            crashed.note
            == "no preview: the image reader stopped while making it (the log has the details)"
        )
        assert "SIGKILL" in crashed.detail and not crashed.lasting
        assert m.make(str(src), "5" * 64, ftype).result.note == ""
        idle = slot.pid
        os.kill(idle, signal.SIGKILL)  # dies between jobs (the OOM killer, say)
        time.sleep(0.2)
        assert m.make(str(src), "8" * 64, ftype).result.note == ""
        assert slot.pid != idle
    finally:
        m.close()


def test_colour_transform_built_once_per_profile():
    from lytsite_desktop.core.previews import imaging

    imaging._TRANSFORMS.clear()
    icc = adobe_rgb_profile()
    for _ in range(3):
        im = Image.new("RGB", (64, 64), (120, 60, 30))
        im.info["icc_profile"] = icc
        buf = io.BytesIO()
        im.save(buf, "PNG", icc_profile=icc)
        imaging.render_image(
            Image.open(io.BytesIO(buf.getvalue())),
            size=100,
            quality=80,
            thumb_size=64,
            thumb_quality=80,
        )
    assert len(imaging._TRANSFORMS) == 1
    assert isinstance(next(iter(imaging._TRANSFORMS.values())), ImageCms.ImageCmsTransform)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the address-space cap is Linux's")
def test_memory_cap_costs_one_preview(tmp_path):
    src = tmp_path / "huge.png"
    Image.new("RGB", (10000, 10000), (90, 120, 150)).save(src)  # 100 MP: 300 MB decoded
    m = PreviewMaker(PreviewSettings(workers=1, memory_limit_mib=300), tmp_path / "cache")
    try:
        r = m.make(str(src), "6" * 64, sniff(str(src))).result
        assert r.preview is None and "more memory than allowed" in r.note
        assert m.cached("6" * 64) is None, "not remembered: more memory might do next time"
        small = tmp_path / "small.jpg"
        small.write_bytes(jpeg_bytes(marked_image()))
        assert m.make(str(small), "7" * 64, sniff(str(small))).result.note == ""
    finally:
        m.close()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="a thread's own priority: Linux")
def test_workers_are_born_at_their_low_priority_and_the_app_keeps_its_own(tmp_path):
    """Two Python interpreters starting at the app's priority slowed its first
    request; forked from a lowered thread, they yield the CPU from birth."""
    before = os.getpriority(os.PRIO_PROCESS, 0)
    m = PreviewMaker(PreviewSettings(workers=2, timeout=30), tmp_path / "cache")
    try:
        m.start()
        assert os.getpriority(os.PRIO_PROCESS, 0) == before, "the app's own thread was lowered"
        deadline = time.monotonic() + 60
        while not all(pids := [slot.pid for slot in m._slots]) and time.monotonic() < deadline:
            time.sleep(0.001)
        assert all(pids)
        low = max(NICENESS, before)  # a test run already lowered stays so
        # Still importing Python and Pillow: lowered already, by birth.
        assert [os.getpriority(os.PRIO_PROCESS, p) for p in pids] == [low, low]
        src = tmp_path / "a.jpg"
        src.write_bytes(jpeg_bytes(marked_image()))
        assert m.make(str(src), "1" * 64, sniff(str(src))).result.note == ""
        # Ready and working: lowered once, not twice.
        assert [os.getpriority(os.PRIO_PROCESS, p) for p in pids] == [low, low]
    finally:
        m.close()


def test_starting_the_workers_never_holds_up_the_uploads(tmp_path, monkeypatch):
    """A worker is a fork of a server that may still be loading Pillow: the
    publish that starts the workers waited for it before its first upload."""
    server_ready = threading.Event()
    start = RenderSlot._start

    def slow_start(self: RenderSlot):  # type: ignore[no-untyped-def]
        server_ready.wait(30)
        return start(self)

    monkeypatch.setattr(RenderSlot, "_start", slow_start)
    m = PreviewMaker(PreviewSettings(workers=1, timeout=30), tmp_path / "cache")
    try:
        starting = threading.Thread(target=m.start)
        starting.start()
        starting.join(10)
        assert not starting.is_alive(), "start() waited for the worker"
        src = tmp_path / "a.jpg"
        src.write_bytes(jpeg_bytes(marked_image()))
        server_ready.set()  # the first job waits for its worker, and gets its preview
        assert m.make(str(src), "1" * 64, sniff(str(src))).result.note == ""
    finally:
        server_ready.set()
        m.close()


def test_a_slot_closed_before_its_worker_started_starts_none():
    """Workers start in the background: one reaching a slot its maker has closed
    meanwhile would run, unused, until the app quits."""
    slot = RenderSlot(timeout=30, memory_limit=None)
    slot.close()
    slot.start()  # what the background start does for it
    assert slot.pid is None, "a worker started after its slot closed"


_FIRST_USE = """
import os, sys
from lytsite_desktop.core.previews.jobs import RenderJob
from lytsite_desktop.core.previews.pool import RenderSlot

slots = [RenderSlot(timeout=30, memory_limit=None) for _ in range(2)]
job = RenderJob(sys.argv[1], "image", "JPEG", sys.argv[2], 64, 80, 32, 80, 10**8)
for slot in slots:  # no start(): each worker is started by its first job
    assert slot.render(job).note == ""
parents = {int(open(f"/proc/{s.pid}/stat").read().rsplit(")", 1)[1].split()[1]) for s in slots}
print(len(parents), os.getpid() in parents, os.getpriority(os.PRIO_PROCESS, 0),
      *(os.getpriority(os.PRIO_PROCESS, p) for p in parents))
for slot in slots:
    slot.close()
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forkserver, /proc")
def test_workers_are_forked_from_one_low_server_whoever_starts_the_first(tmp_path):
    """Every worker is a fork of one server that loaded Pillow once. A worker
    started by its first job started that server from the app's own thread, so
    every later worker was born at the app's priority."""
    src = tmp_path / "a.jpg"
    src.write_bytes(jpeg_bytes(marked_image()))
    done = subprocess.run(
        [sys.executable, "-c", _FIRST_USE, str(src), str(tmp_path)],
        capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    servers, from_the_app, own, *server_priority = done.stdout.split()
    before = os.getpriority(os.PRIO_PROCESS, 0)  # the child's own, unless lowered
    assert (servers, from_the_app) == ("1", "False"), "both forked from one server"
    assert int(own) == before, "the app's own thread was lowered"
    assert [int(p) for p in server_priority] == [max(NICENESS, before)]


def _page_faults(pid: int) -> int:
    with open(f"/proc/{pid}/stat") as fh:
        return int(fh.read().rsplit(")", 1)[1].split()[7])  # minflt


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's allocator, /proc")
def test_a_worker_reuses_its_memory_from_photo_to_photo(tmp_path):
    """Each photo's buffers went back to the kernel and the next photo's were
    faulted in and zeroed again (8% of a worker's time)."""
    src = tmp_path / "big.jpg"
    src.write_bytes(jpeg_bytes(scene((4000, 3000))))
    m = PreviewMaker(PreviewSettings(workers=1, timeout=60), tmp_path / "cache")
    try:
        ftype = sniff(str(src))
        assert m.make(str(src), "0" * 64, ftype).result.note == ""  # the first one sets up
        pid = m._slots[0].pid
        assert pid is not None
        before = _page_faults(pid)
        for n in range(1, 5):
            assert m.make(str(src), str(n) * 64, ftype).result.note == ""
        per_photo = (_page_faults(pid) - before) / 4
        # A 2000 x 1500 decode alone is 3,000 pages; the freed ones are used again.
        assert per_photo < 1500, f"{per_photo:.0f} pages faulted in per photo"
    finally:
        m.close()
