"""Every file a photographer delivers, previewed right: formats recognised by their
decoders, orientation applied once, high-bit greyscale by its range, transparency
kept, plain notes, and video. Previews are made by the real worker processes."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import av
import pytest
from PIL import Image, ImageChops, ImageOps, ImageStat

from lytsite_desktop.core.config.settings import PreviewSettings
from lytsite_desktop.core.ingest.filetypes import Kind, sniff
from lytsite_desktop.core.previews.maker import PreviewMaker
from tests.support import oddfiles
from tests.support.images import marked_image
from tests.support.previews import make


@pytest.fixture(scope="module")
def maker(tmp_path_factory: pytest.TempPathFactory):
    m = PreviewMaker(PreviewSettings(workers=2), tmp_path_factory.mktemp("cache"))
    yield m
    m.close()


def pillows_own(path: Path) -> Image.Image:
    """How Pillow itself shows the file: loaded (a TIFF turns itself upright), its
    EXIF orientation applied, high-bit greyscale scaled to its full range."""
    im = Image.open(path)
    im.load()
    im = ImageOps.exif_transpose(im)
    if im.mode == "F":  # 0..1, 0..255 as they are, else from its lowest to its highest
        lo, hi = im.getextrema()
        if lo >= 0 and hi <= 1:
            im = im.point(lambda v: v * 255.0)
        elif not (lo >= 0 and hi <= 255):
            im = im.point(lambda v: (v - lo) * 255.0 / (hi - lo))
        im = im.convert("L")
    elif im.mode in ("I", "I;16", "I;16B", "I;16L"):  # 16-bit: 65535 is white
        im = im.convert("F").point(lambda v: v * 255.0 / 65535).convert("L")
    return im.convert("RGBA")


def difference(preview: Image.Image, reference: Image.Image) -> float:
    """Mean difference per channel (0-255), colours where both are opaque."""
    ref = reference.resize(preview.size, Image.Resampling.LANCZOS)
    a, b = preview.convert("RGBA"), ref
    alpha = ImageStat.Stat(ImageChops.difference(a.getchannel("A"), b.getchannel("A"))).mean[0]
    opaque = ImageChops.darker(a.getchannel("A"), b.getchannel("A")).point(
        lambda v: 255 * (v > 200)
    )
    rgb = ImageStat.Stat(ImageChops.difference(a.convert("RGB"), b.convert("RGB")), opaque).mean
    return max(alpha, *rgb)


PLAIN = re.compile(r"^no preview: [a-z][^/\\\\]*$")
LIBRARY_WORDS = re.compile(
    r"cannot identify|decoder|errno|PIL|Plugin|MAX_TEXT|error -?\d|\bobject\b|Error\b|\(\d+ bytes"
)


def plain(note: str, folder: Path) -> bool:
    return bool(PLAIN.match(note)) and str(folder) not in note and not LIBRARY_WORDS.search(note)


def test_formats_pillow_reads_are_recognised_and_previewed(maker, tmp_path):
    cases = {
        "PSD": oddfiles.psd(tmp_path / "layers.psd", oddfiles.scene()),
        "JPEG 2000": tmp_path / "scan.jp2",
        "J2K": tmp_path / "scan.j2k",
        "BigTIFF": tmp_path / "pano.tif",
        "PNM": tmp_path / "plate.pgm",
        "TGA": tmp_path / "render.tga",
    }
    oddfiles.scene().save(cases["JPEG 2000"], "JPEG2000")
    oddfiles.scene().save(cases["J2K"], "JPEG2000", no_jp2=True)
    oddfiles.scene().save(cases["BigTIFF"], "TIFF", big_tiff=True)
    oddfiles.scene().convert("L").save(cases["PNM"], "PPM")
    oddfiles.scene().save(cases["TGA"], "TGA")
    cases["AVIF sequence"] = tmp_path / "burst.avif"
    flipped = oddfiles.scene().transpose(Image.Transpose.FLIP_TOP_BOTTOM)
    oddfiles.scene().save(cases["AVIF sequence"], save_all=True, append_images=[flipped])
    for label, path in cases.items():
        r, preview = make(maker, path)
        assert preview is not None, (label, r.note, r.detail)
        assert difference(preview, pillows_own(path)) < 6, label
        assert (r.width, r.height) == (96, 64), label
    assert sniff(str(cases["PSD"])).label == "PSD"  # named right when it is known
    assert sniff(str(cases["BigTIFF"])).content_type == "image/tiff"
    assert sniff(str(cases["AVIF sequence"])).content_type == "image/avif"
    assert sniff(str(cases["TGA"])).kind is Kind.OTHER  # no magic: its decoder decides


@pytest.mark.parametrize("orientation", range(2, 9))
def test_a_tiff_is_turned_upright_exactly_once(maker, tmp_path, orientation):
    path = oddfiles.tiff_turned(tmp_path / f"o{orientation}.tif", orientation)
    r, preview = make(maker, path)
    upright = pillows_own(path)
    assert preview is not None and preview.size == upright.size
    assert difference(preview, upright) < 6
    assert (r.width, r.height) == upright.size  # not swapped twice for 5-8


@pytest.mark.parametrize("exported", ["pixels", "from a JPEG", "bare codestream"])
def test_a_jpeg_xl_photo_gets_a_preview_turned_upright(maker, tmp_path, exported):
    """JPEG XL (Lightroom exports it) was published as "JXL files have none"."""
    import pillow_jxl  # noqa: F401  (adds JPEG XL to Pillow, to write the test's files)

    marked = marked_image((300, 200))
    exif = Image.Exif()
    exif[0x0112] = 6  # "turn 90 degrees clockwise to show it"
    path = tmp_path / "DSC_0042.jxl"
    if exported == "from a JPEG":  # the JPEG's own bytes, kept inside (lossless)
        jpeg = tmp_path / "DSC_0042.jpg"
        marked.save(jpeg, "JPEG", quality=95, exif=exif.tobytes())
        Image.open(jpeg).save(path, "JXL", lossless_jpeg=True)
    elif exported == "pixels":
        marked.save(path, "JXL", quality=95, exif=exif.tobytes(), lossless_jpeg=False)
    else:  # no metadata at all: no container either
        marked.save(path, "JXL", quality=95, lossless_jpeg=False)
    ftype = sniff(str(path))
    assert ftype.kind is Kind.IMAGE and ftype.label == "JPEG XL"
    r, preview = make(maker, path)
    assert preview is not None, (r.note, r.detail)
    if exported == "bare codestream":
        assert preview.size == (300, 200)
    else:
        assert preview.size == (200, 300) and (r.width, r.height) == (200, 300)
        assert preview.getpixel((preview.width - 10, 10))[0] > 180  # the red corner: top-right


def test_narrow_range_16_bit_greyscale_is_shown_by_its_range(maker, tmp_path):
    _, preview = make(maker, oddfiles.narrow_16bit(tmp_path / "instrument.tif"))
    assert preview is not None
    grey = preview.convert("L")
    left, right = grey.getpixel((2, 10)), grey.getpixel((grey.width - 3, 10))
    assert left < 20 and right > 235, (left, right)  # not a flat grey (30000/257 = 116)


def test_full_range_16_bit_keeps_black_and_white_where_they_are(maker, tmp_path):
    im = Image.new("I", (200, 20))
    im.putdata([65535 * x // 199 // 2 for _ in range(20) for x in range(200)])  # 0 .. 32767
    path = tmp_path / "dark.png"
    im.convert("I;16").save(path)
    _, preview = make(maker, path)
    assert preview is not None
    right = preview.convert("L").getpixel((preview.width - 2, 10))
    assert 120 < right < 135  # half of white, as recorded: not stretched to white


def test_a_colour_keyed_png_keeps_its_transparency(maker, tmp_path):
    _, preview = make(maker, oddfiles.colour_keyed_png(tmp_path / "keyed.png"))
    assert preview is not None and preview.mode == "RGBA"
    assert preview.getpixel((5, 20))[3] == 255 and preview.getpixel((50, 20))[3] == 0


def test_notes_are_plain_words(maker, tmp_path):
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    r, _ = make(maker, empty)
    assert r.note == "no preview: the file is empty"
    bare = tmp_path / "README"
    bare.write_text("notes")
    r, _ = make(maker, bare)
    assert r.note == "no preview: files of this kind have none"
    zipped = tmp_path / "album.zip"
    zipped.write_bytes(b"PK\x03\x04" + bytes(200))
    r, _ = make(maker, zipped)
    assert r.note == "no preview: ZIP files have none" and not r.damaged
    big_text = tmp_path / "text.png"  # a PNG with a text chunk past Pillow's limit
    img = oddfiles.scene()
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("comment", "x" * (PngImagePlugin.MAX_TEXT_CHUNK + 10), zip=True)
    img.save(big_text, pnginfo=info)
    r, _ = make(maker, big_text)
    assert plain(r.note, tmp_path), r.note


def test_a_folder_of_odd_files(maker, tmp_path):
    """Every format and mode Pillow writes, damaged and empty ones among them: no
    file Pillow opens is refused, every preview looks like Pillow's own rendering,
    no note names a path or quotes a library."""
    good = oddfiles.write_every_format(tmp_path / "odd")
    assert len(good) > 60  # the generator really made a folder of them
    bad = oddfiles.damaged_copies(good[::7], tmp_path / "bad")
    for path in good:
        r, preview = make(maker, path)
        assert preview is not None, (path.name, r.note, r.detail)
        assert difference(preview, pillows_own(path)) < 12, path.name
    for path in bad:
        r, _ = make(maker, path)
        try:
            with Image.open(path) as im:
                im.load()
            opens = True
        except Exception:
            opens = False
        if opens:
            assert r.preview is not None, (path.name, r.note)
        else:
            assert r.preview is None and plain(r.note, tmp_path), (path.name, r.note)


def test_a_video_gets_a_poster_and_a_preview_that_plays_upright_without_location(maker, tmp_path):
    src = oddfiles.video(tmp_path / "rehearsal.mov", seconds=2.0, turn=90)
    sha = hashlib.sha256(src.read_bytes()).hexdigest()
    assert sniff(str(src)).kind is Kind.VIDEO
    cached = maker.make(str(src), sha, sniff(str(src)))
    r = cached.result
    assert r.note == "" and r.preview is not None and r.thumb is not None, (r.note, r.detail)
    assert r.preview.name == "preview.mp4" and abs((r.duration or 0) - 2.0) < 0.2
    assert (r.width, r.height) == (240, 320), "upright: the phone was held upright"
    poster = Image.open(cached.path(r.thumb))
    assert poster.size == (240, 320)
    assert poster.getpixel((poster.width - 10, 10))[0] > 180  # the red corner: top-right
    data = cached.path(r.preview).read_bytes()
    assert b"52.5200" not in data and b"Rehearsal" not in data  # no location, no title
    assert data.find(b"moov") < data.find(b"mdat"), "index first: plays while it loads"
    with av.open(str(cached.path(r.preview))) as played:
        assert "location" not in played.metadata and "title" not in played.metadata
        v = played.streams.video[0]
        assert (
            v.codec_context.name == "h264" and played.streams.audio[0].codec_context.name == "aac"
        )
        frames = list(played.decode(v))  # end to end
    assert len(frames) == 50 and (frames[-1].width, frames[-1].height) == (240, 320)
    assert not frames[-1].rotation  # turned in its pixels, not by a flag
    last = frames[-1].to_image()
    assert last.getpixel((last.width - 10, 10))[0] > 180


def test_a_quicktime_movie_without_a_file_type_header_is_a_video(maker, tmp_path):
    """Older cameras' .mov files open with their movie's atoms, not "ftyp": they were
    published as "MOV files have none", though they play."""
    src = oddfiles.video(tmp_path / "made.mov", seconds=0.6)
    data = bytearray(src.read_bytes())
    assert data[4:8] == b"ftyp"
    data[4:8] = b"free"  # the header becomes padding: what such a file starts with
    old = tmp_path / "MVI_0042.MOV"
    old.write_bytes(bytes(data))
    assert sniff(str(old)).kind is Kind.VIDEO
    r, _ = make(maker, old)
    assert r.preview is not None and r.preview.name == "preview.mp4", (r.note, r.detail)


@pytest.mark.parametrize(
    ("name", "container", "codec", "options"),
    [("00001.MTS", "mpegts", "libx264", {"mpegts_m2ts_mode": "1"}),  # AVCHD camcorders
     ("clip.ts", "mpegts", "libx264", {}), ("MOV001.MPG", "mpeg", "mpeg2video", {}),
     ("VTS_01_1.VOB", "vob", "mpeg2video", {}), ("party.wmv", "asf", "wmv2", {}),
     ("old.flv", "flv", "flv1", {}), ("C0001.MXF", "mxf", "mpeg2video", {})],
)  # fmt: skip
def test_videos_in_other_containers_get_previews(maker, tmp_path, name, container, codec, options):
    """These were published as "MTS files have none" (and so on), though they play."""
    src = oddfiles.clip(tmp_path / name, container, codec, options)
    assert sniff(str(src)).kind is Kind.VIDEO
    r, _ = make(maker, src)
    assert r.preview is not None and r.preview.name == "preview.mp4", (r.note, r.detail)


def test_a_video_whose_brand_the_app_does_not_list_is_still_a_video(maker, tmp_path):
    """An ISO media file names its maker's brand first ("M4V " from Apple, "mp71"...);
    one not in the app's list was taken for no video at all."""
    src = oddfiles.video(tmp_path / "made.mp4", seconds=0.6)
    data = bytearray(src.read_bytes())
    assert data[4:8] == b"ftyp"
    data[8:12] = b"zzzz"  # a brand no list knows
    clip = tmp_path / "holiday.m4v"
    clip.write_bytes(bytes(data))
    assert sniff(str(clip)).kind is Kind.VIDEO
    r, _ = make(maker, clip)
    assert r.preview is not None and r.preview.name == "preview.mp4", (r.note, r.detail)


def test_a_file_named_as_a_video_that_is_none_says_so(maker, tmp_path):
    fake = tmp_path / "ceremony.mov"
    fake.write_bytes(bytes(range(256)) * 64)
    r, _ = make(maker, fake)
    assert r.preview is None and r.damaged
    assert r.note == "no preview: not a video the app can read, though it is named .mov"


def test_a_long_edge_above_1280_is_brought_down(maker, tmp_path):
    src = oddfiles.video(tmp_path / "wide.mp4", seconds=0.6, size=(1920, 1080))
    r, _ = make(maker, src)
    assert r.preview is not None and (r.preview.width, r.preview.height) == (1280, 720)
    assert (r.width, r.height) == (1920, 1080)


def test_a_damaged_video_says_so(maker, tmp_path):
    src = oddfiles.video(tmp_path / "clip.mp4", seconds=1.0)
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(src.read_bytes()[:2000])
    r, _ = make(maker, cut)
    assert r.preview is None and r.damaged and plain(r.note, tmp_path), r.note


def test_a_pdf_whose_first_page_is_drawn_has_a_preview_and_no_note(maker, tmp_path):
    import pikepdf

    path = tmp_path / "contract.pdf"
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(595, 842))
    pdf.save(path)  # already compact: no smaller copy is made, the original is the view copy
    r, _ = make(maker, path)
    assert r.preview is None and r.thumb is not None
    assert r.note == "", "status and the window would call it 'published without a preview'"
