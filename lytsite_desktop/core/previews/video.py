"""Videos: a poster frame (the thumbnail) and a web-playable preview.

The preview is H.264 video and AAC audio in an MP4 whose index comes first
(``+faststart``, so a browser starts playing before it has it all), the long edge
at most :data:`LONG_EDGE` px, the bitrate capped. It is turned upright from the
container's rotation (phones record sideways and say so) and carries none of the
original's metadata: no location, no device, no dates. PyAV (FFmpeg, with its
codecs, from its wheel) does the work, inside a preview worker process.
"""

from __future__ import annotations

import io
import logging
import os
from collections.abc import Callable
from fractions import Fraction
from typing import Any

from lytsite_desktop.core.previews import notes
from lytsite_desktop.core.previews.jobs import (
    PREVIEW_MP4,
    THUMB_WEBP,
    RenderJob,
    RenderResult,
    RenditionFile,
)

log = logging.getLogger(__name__)

#: The preview's long edge, in pixels (never upscaled).
LONG_EDGE = 1280
#: Video bitrate cap of the preview (bits per second), and its audio bitrate.
VIDEO_BITRATE = 2_500_000
AUDIO_BITRATE = 128_000
#: The poster is the frame at this many seconds (or the middle of a shorter clip):
#: the very first frame is often black or a blur.
POSTER_AT = 1.0

Tick = Callable[[], None]


def render_video(job: RenderJob, tick: Tick = lambda: None) -> RenderResult:
    """Poster and preview of one video; ``tick()`` is called as frames go by (the
    worker's "still alive", so a long clip is not taken for a hang)."""
    import av

    try:
        with av.open(job.source) as source:
            if not source.streams.video:
                return RenderResult(note=notes.no_kind(job.label or "audio"))
            stream = source.streams.video[0]
            duration = _duration(source, stream)
            poster, rotation = _poster(source, stream, duration)
        out = os.path.join(job.out_dir, PREVIEW_MP4)
        width, height = _transcode(job.source, out, rotation, tick)
    except (av.error.FFmpegError, ValueError, IndexError, StopIteration) as exc:
        return RenderResult(
            note=notes.video_unreadable(), damaged=True, detail=f"{type(exc).__name__}: {exc}"
        )
    thumb = _save_poster(poster, job)
    upright = (poster.width, poster.height)
    preview = RenditionFile(PREVIEW_MP4, width, height, os.path.getsize(out))
    return RenderResult(
        upright[0], upright[1], preview, thumb, duration=round(duration, 3) if duration else None
    )


def _duration(source: Any, stream: Any) -> float | None:
    if stream.duration and stream.time_base:
        return float(stream.duration * stream.time_base)
    if source.duration:
        return source.duration / 1_000_000
    return None


def _rotation(frame: Any) -> int:
    """Counterclockwise quarter turns that make the frame upright (FFmpeg's display
    matrix: -90 means "turn 90 degrees clockwise to show it")."""
    angle = round(getattr(frame, "rotation", 0) or 0)
    return (angle // 90) % 4


def _upright(frame: Any, turns: int) -> Any:
    """The frame as a PIL image, upright."""
    image = frame.to_image()
    if turns == 1:
        return image.rotate(90, expand=True)
    if turns == 2:
        return image.rotate(180)
    if turns == 3:
        return image.rotate(270, expand=True)
    return image


def _poster(source: Any, stream: Any, duration: float | None) -> tuple[Any, int]:
    """The frame at POSTER_AT (or mid-clip), upright, and the clip's turns."""
    at = POSTER_AT if not duration or duration > 2 * POSTER_AT else duration / 2
    if at and stream.time_base:
        try:
            source.seek(int(at / stream.time_base), stream=stream, any_frame=False, backward=True)
        except Exception:  # not seekable: the first frame will do
            source.seek(0)
    best = _frame_at(source, stream, at)
    if best is None and at:  # the seek went past the last keyframe (a short clip's)
        source.seek(0)
        best = _frame_at(source, stream, at)
    if best is None:
        raise ValueError("no frame could be decoded")
    turns = _rotation(best)
    return _upright(best, turns), turns


def _frame_at(source: Any, stream: Any, at: float) -> Any:
    """The first frame decoded from here on at ``at`` or later (else the last one)."""
    best = None
    for frame in source.decode(stream):
        best = frame
        if frame.time is None or frame.time >= at:
            break
    return best


def _save_poster(poster: Any, job: RenderJob) -> RenditionFile:
    from PIL import Image

    thumb = poster.convert("RGB")
    thumb.thumbnail((job.thumb_size, job.thumb_size), Image.Resampling.LANCZOS)
    path = os.path.join(job.out_dir, THUMB_WEBP)
    buf = io.BytesIO()
    thumb.save(buf, "WEBP", quality=job.thumb_quality, method=4)
    with open(path, "wb") as fh:
        fh.write(buf.getvalue())
    return RenditionFile(THUMB_WEBP, thumb.width, thumb.height, len(buf.getvalue()))


def _even(n: float) -> int:
    return max(2, round(n / 2) * 2)


def _size(width: int, height: int, turns: int) -> tuple[int, int]:
    """The preview's upright size: the long edge at most LONG_EDGE, both even."""
    if turns % 2:
        width, height = height, width
    scale = min(1.0, LONG_EDGE / max(width, height))
    return _even(width * scale), _even(height * scale)


def _scaled(frame: Any, turns: int, width: int, height: int) -> Any:
    """One frame of the preview: scaled (in FFmpeg), turned upright when it must be;
    its time stays the original's (so a variable frame rate stays in sync)."""
    import av

    if turns == 0:
        out = frame.reformat(width=width, height=height, format="yuv420p")
    else:  # scale first (cheap), then turn the small picture
        w, h = (height, width) if turns % 2 else (width, height)
        small = frame.reformat(width=w, height=h, format="rgb24")
        out = av.VideoFrame.from_image(_upright(small, turns)).reformat(format="yuv420p")
    out.pts, out.time_base = frame.pts, frame.time_base
    return out


def _transcode(src: str, dst: str, turns: int, tick: Tick) -> tuple[int, int]:
    """Re-encode ``src`` as the preview; returns its (upright) width and height."""
    import av

    with av.open(src) as source:
        vin = source.streams.video[0]
        ain = source.streams.audio[0] if source.streams.audio else None
        vin.thread_type = "AUTO"
        width, height = _size(vin.codec_context.width, vin.codec_context.height, turns)
        rate = vin.average_rate or vin.guessed_rate or Fraction(25)
        with av.open(dst, "w", format="mp4", options={"movflags": "+faststart"}) as out:
            vout = out.add_stream("libx264", rate=rate)
            vout.width, vout.height, vout.pix_fmt = width, height, "yuv420p"
            vout.bit_rate = VIDEO_BITRATE
            vout.options = {
                "preset": "veryfast",
                "crf": "23",
                "maxrate": str(VIDEO_BITRATE),
                "bufsize": str(2 * VIDEO_BITRATE),
                "profile": "high",
                "movflags": "+faststart",
            }
            aout = resampler = None
            if ain is not None:
                aout = out.add_stream("aac", rate=48_000)
                aout.bit_rate = AUDIO_BITRATE
                aout.layout = "stereo"
                resampler = av.AudioResampler(format="fltp", layout="stereo", rate=48_000)
            streams = [s for s in (vin, ain) if s is not None]
            frames = 0
            for packet in source.demux(*streams):
                for frame in packet.decode():
                    if packet.stream is vin:
                        for p in vout.encode(_scaled(frame, turns, width, height)):
                            out.mux(p)
                        frames += 1
                        if frames % 25 == 0:
                            tick()
                    elif aout is not None and resampler is not None:
                        assert isinstance(frame, av.AudioFrame)
                        frame.pts = None
                        for resampled in resampler.resample(frame):
                            for p in aout.encode(resampled):
                                out.mux(p)
            for p in vout.encode():
                out.mux(p)
            if aout is not None:
                for p in aout.encode():
                    out.mux(p)
    if not frames:
        raise ValueError("no frame could be decoded")
    return width, height
