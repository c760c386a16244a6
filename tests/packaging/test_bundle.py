"""The PyInstaller bundle, built from packaging/lytsite-desktop.spec into a temporary
folder, then started as a photographer's computer would start it: --version, the
self-check (previews, HEIF, PDFs, the window opened and closed on the offscreen
platform), and a real upload to the S3 server process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from lytsite_desktop import __version__
from tests.conftest import dest_url
from tests.support.images import jpeg_bytes, scene

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "packaging" / "lytsite-desktop.spec"

pytestmark = [pytest.mark.bundle, pytest.mark.timeout(900)]


def folder_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink())


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory, pytestconfig: pytest.Config) -> Path:
    out = tmp_path_factory.mktemp("bundle")
    build = subprocess.run(
        [sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN",
         "--distpath", str(out / "dist"), "--workpath", str(out / "work"), str(SPEC)],
        cwd=out, capture_output=True, text=True, timeout=800,
    )  # fmt: skip
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-5000:]
    program = out / "dist" / "lytsite-desktop" / "lytsite-desktop"
    assert program.is_file() and os.access(program, os.X_OK)
    size = folder_size(program.parent)
    capture = pytestconfig.pluginmanager.get_plugin("capturemanager")
    with capture.global_and_fixture_disabled():  # shown in CI's output, not captured
        print(f"\nbundle: {program.parent} is {size / 2**20:.0f} MiB", flush=True)
    return program


def run(program: Path, *args: str, env: dict[str, str] | None = None, timeout: float = 180):
    return subprocess.run(
        [str(program), *args], capture_output=True, text=True, timeout=timeout,
        env={**os.environ, **(env or {})}, cwd=program.parent.parent,
    )  # fmt: skip


def test_the_bundle_says_its_version(bundle: Path) -> None:
    done = run(bundle, "--version")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"lytsite-desktop {__version__}"


def test_the_bundle_passes_its_self_check_with_the_window(bundle: Path, tmp_path: Path) -> None:
    done = run(bundle, "--self-check", env={"QT_QPA_PLATFORM": "offscreen"})
    print(done.stdout)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    for check in ("JPEG to WebP preview", "HEIF (pillow-heif)", "JPEG XL (pillow-jxl-plugin)",
                  "PDF (pikepdf, pdfium)", "video (PyAV: H.264, AAC)", "icons",
                  "window", "window closed"):  # fmt: skip
        assert any(line.startswith("ok") and f"  {check}:" in line for line in lines), check
    assert "preview 1800×1200" in done.stdout  # the WebP preview, long edge 1800
    assert "opened on the offscreen platform" in done.stdout
    assert lines[-1] == "self-check passed (8 checks)"


def test_the_bundle_carries_the_platforms_plugins_and_resources(bundle: Path) -> None:
    inside = bundle.parent / "_internal"
    plugins = inside / "PySide6" / "Qt" / "plugins"
    platforms = {p.name for p in (plugins / "platforms").iterdir()}
    assert {"libqxcb.so", "libqoffscreen.so"} <= platforms
    assert (plugins / "imageformats" / "libqwebp.so").is_file()
    assert (plugins / "iconengines" / "libqsvgicon.so").is_file()
    assert (inside / "resources" / "icons" / "lytsite-desktop.svg").is_file()
    assert (inside / "resources" / "linux" / "io.lytsite.LytsiteDesktop.desktop").is_file()
    assert list((inside / "lytsite_desktop" / "core" / "gallery" / "webassets").iterdir())
    # only the S3 models of botocore's data: the app talks to nothing else
    models = {p.name for p in (inside / "botocore" / "data").iterdir() if p.is_dir()}
    assert models == {"s3", "sts"}


def test_the_bundle_publishes_to_a_real_s3_server(
    bundle: Path, tmp_path: Path, s3_server, bucket: str, s3
) -> None:
    folder = tmp_path / "Portraits"
    folder.mkdir()
    original = jpeg_bytes(scene((2400, 1600)))
    (folder / "anna.jpg").write_bytes(original)
    done = run(
        bundle, "upload", str(folder), "--dest", dest_url(bucket, s3_server.url), "--json",
        env={"LYTSITE_HOME": str(tmp_path / "home")},
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]]
    original_key = next(k for k in keys if k.endswith("/anna.jpg"))
    assert s3.get_object(Bucket=bucket, Key=original_key)["Body"].read() == original
    assert any(k.startswith("projects/portraits/previews/") for k in keys)
    assert "projects/portraits/manifest.json" in keys


def test_the_linux_install_puts_the_app_in_the_menu(bundle: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    env = {**os.environ, "HOME": str(home)}
    env.pop("XDG_DATA_HOME", None)
    script = ROOT / "packaging" / "install-linux.sh"
    done = subprocess.run(["sh", str(script), str(bundle.parent)], env=env,
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    opt = home / ".local" / "opt" / "lytsite-desktop"
    entry = home / ".local" / "share" / "applications" / "io.lytsite.LytsiteDesktop.desktop"
    assert f"Exec={opt}/lytsite-desktop %F" in entry.read_text()
    check = subprocess.run(["desktop-file-validate", str(entry)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    icon = home / ".local/share/icons/hicolor/256x256/apps/io.lytsite.LytsiteDesktop.png"
    assert icon.is_file()
    assert (home / ".local/share/metainfo/io.lytsite.LytsiteDesktop.metainfo.xml").is_file()
    command = home / ".local" / "bin" / "lytsite-desktop"
    version = subprocess.run([str(command), "--version"], capture_output=True, text=True)
    assert version.stdout.strip() == f"lytsite-desktop {__version__}"
