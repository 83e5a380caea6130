"""Decoding with PyAV: probing, a streaming low-resolution pass, and exact full-resolution grabs.

Times are seconds from presentation timestamps, measured from the container's start time (what a
player shows). Frames handed out at full resolution are upright (display rotation applied) and
have square pixels (the sample aspect ratio applied), so they look as a player shows them.

Memory stays flat with the video's length: the detection pass holds one small frame at a time
(plus what the caller keeps), and full-resolution frames are decoded again only where needed.
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from studio.engine.errors import InputError

log = logging.getLogger("studio.video")

#: demuxers that open still images or text, which are not videos for our purposes
_NOT_VIDEO_FORMATS = {"image2", "tty", "lavfi", "ico", "bmp_pipe", "png_pipe", "jpeg_pipe", "webp_pipe", "tiff_pipe"}
#: decode errors tolerated (corrupt packets skipped) before the file is declared broken
MAX_DECODE_ERRORS = 50


@dataclass(frozen=True)
class VideoInfo:
    """What a video is, as far as keyframe extraction cares."""

    path: str
    container: str
    codec: str
    width: int  # coded size
    height: int
    display_width: int  # upright, square pixels
    display_height: int
    rotation: int  # degrees counter-clockwise applied to decoded frames (0, 90, 180, 270)
    sar: Fraction
    fps: float  # average frame rate
    duration: float  # seconds
    origin: float  # container start time; reported times are pts - origin
    time_base: Fraction
    frame_count: int  # from the header (0 when unknown)
    pix_fmt: str
    stream_index: int
    has_audio: bool
    subtitle_streams: tuple[int, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path, "container": self.container, "codec": self.codec,
            "width": self.display_width, "height": self.display_height,
            "coded_width": self.width, "coded_height": self.height, "rotation": self.rotation,
            "sample_aspect_ratio": str(self.sar), "fps": round(self.fps, 6),
            "duration": round(self.duration, 6), "frames": self.frame_count,
        }


def _fail(path: Path, problem: str) -> InputError:
    return InputError(f"{path}: {problem}")


def check_readable(path: str | Path) -> Path:
    """The path as a Path, or an InputError saying why it cannot be a video file."""
    p = Path(path).expanduser()
    if not p.exists():
        raise _fail(p, "no such file")
    if p.is_dir():
        raise _fail(p, "is a folder, not a video file")
    if not os.access(p, os.R_OK):
        raise _fail(p, "cannot be read (permission denied)")
    try:
        size = p.stat().st_size
        with p.open("rb") as fh:
            fh.read(1)
    except OSError as exc:
        raise _fail(p, f"cannot be read ({exc.strerror or exc})") from None
    if size == 0:
        raise _fail(p, "is empty (0 bytes), not a video")
    return p


def _looks_like_video(path: Path) -> bool:
    """Magic numbers of common video containers (MP4/MOV, Matroska/WebM, AVI, MPEG-PS, FLV)."""
    try:
        with path.open("rb") as fh:
            head = fh.read(16)
    except OSError:
        return False
    return (
        head[4:8] in (b"ftyp", b"moov", b"mdat", b"wide", b"free")
        or head.startswith(b"\x1aE\xdf\xa3")
        or (head.startswith(b"RIFF") and head[8:12] == b"AVI ")
        or head.startswith((b"\x00\x00\x01\xba", b"FLV"))
    )


def open_container(path: str | Path):
    """av.open with every failure turned into one InputError naming the file and the problem."""
    import av

    p = check_readable(path)
    try:
        container = av.open(str(p), metadata_errors="ignore")
    except av.error.PermissionError:
        raise _fail(p, "cannot be read (permission denied)") from None
    except av.error.InvalidDataError:
        if _looks_like_video(p):
            raise _fail(p, "is truncated or corrupt (it starts like a video file, but ffmpeg cannot read its index or streams)") from None
        raise _fail(p, "is not a video (ffmpeg does not recognise its format), or the file is truncated or corrupt") from None
    except av.error.FFmpegError as exc:
        raise _fail(p, f"cannot be opened as a video: {exc.strerror or exc}") from None
    fmt = container.format.name
    if fmt in _NOT_VIDEO_FORMATS or fmt.endswith("_pipe"):
        container.close()
        raise _fail(p, f"is a still image or text ({fmt}), not a video")
    if not container.streams.video:
        kinds = sorted({s.type for s in container.streams})
        container.close()
        if "audio" in kinds:
            raise _fail(p, "has no video stream (it is audio only); give a video file")
        raise _fail(p, f"has no video stream (streams: {', '.join(kinds) or 'none'})")
    return container


def _video_stream(container):
    streams = [s for s in container.streams.video if s.codec_context is not None]
    # skip cover-art pictures stored as a video stream (attached_pic)
    real = [s for s in streams if not (s.disposition & 0x400)] or streams  # AV_DISPOSITION_ATTACHED_PIC
    return max(real, key=lambda s: (s.codec_context.width or 0) * (s.codec_context.height or 0) > 0)


def _rotation_ccw(value: float | int | None) -> int:
    """PyAV's frame.rotation (the display matrix angle, counter-clockwise) snapped to 0/90/180/270."""
    if not value:
        return 0
    return int(round(float(value) / 90.0)) * 90 % 360


def display_size(width: int, height: int, sar: Fraction, rotation: int) -> tuple[int, int]:
    """Upright square-pixel size: stretch (never squash) by the sample aspect ratio, then rotate."""
    w, h = width, height
    if sar and sar > 0 and sar != 1:
        if sar > 1:
            w = int(round(width * sar))
        else:
            h = int(round(height / sar))
    if rotation in (90, 270):
        w, h = h, w
    return max(1, w), max(1, h)


@dataclass
class OpenVideo:
    """A probed video left open: its description and its decoded frames, from the first one on."""

    info: VideoInfo
    container: Any
    stream: Any
    frames: Iterator[Any]

    def close(self) -> None:
        self.container.close()


def open_video(path: str | Path) -> OpenVideo:
    """Open and describe a video (InputError if it is unusable), ready to decode on: one open and
    one first frame serve both the description and the pass that follows."""
    import itertools

    p = check_readable(path)
    container = open_container(p)
    try:
        stream = _video_stream(container)
        cc = stream.codec_context
        tb = stream.time_base or Fraction(1, 90000)
        decoded = iter_decoded(container, stream, p)
        first = None
        try:
            for frame in decoded:
                first = frame
                break
        except InputError:
            raise
        except Exception as exc:  # noqa: BLE001 - PyAV raises many error types on broken files
            log.debug("probe decode error: %s", exc)
        if first is None:
            raise _fail(p, "no video frame could be decoded; the file is truncated or corrupt")
        rotation = _rotation_ccw(getattr(first, "rotation", 0))
        sar = Fraction(stream.sample_aspect_ratio or cc.sample_aspect_ratio or 1)
        if sar <= 0:
            sar = Fraction(1)
        width, height = first.width, first.height
        dw, dh = display_size(width, height, sar, rotation)
        rate = stream.average_rate or stream.guessed_rate or stream.base_rate
        fps = float(rate) if rate else 0.0
        origin = (container.start_time or 0) / 1_000_000
        if stream.duration:
            duration = float(stream.duration * tb) + float((stream.start_time or 0) * tb) - origin
        elif container.duration:
            duration = container.duration / 1_000_000
        else:
            duration = 0.0
        if not 0.5 < fps < 1000:
            fps = (stream.frames / duration) if (stream.frames and duration) else 25.0
        info = VideoInfo(
            path=str(p), container=container.format.name, codec=cc.name, width=width, height=height,
            display_width=dw, display_height=dh, rotation=rotation, sar=sar, fps=fps,
            duration=max(duration, 0.0), origin=origin, time_base=Fraction(tb), frame_count=int(stream.frames or 0),
            pix_fmt=first.format.name, stream_index=stream.index,
            has_audio=bool(container.streams.audio),
            subtitle_streams=tuple(s.index for s in container.streams.subtitles),
        )
    except BaseException:
        container.close()
        raise
    return OpenVideo(info, container, stream, itertools.chain([first], decoded))


def iter_decoded(
    container, stream, path: Path, *, threads: bool = True, errors: list[str] | None = None,
) -> Iterator[Any]:
    """Decoded frames of `stream`, skipping corrupt packets (too many of them is an InputError).

    `threads`: frame and slice threads (fast; each frame thread holds its own reference frames).
    `errors`, when given, gets a line per packet that could not be read or decoded."""
    import av

    if not stream.codec_context.is_open:
        stream.thread_type = "AUTO" if threads else "SLICE"
    n_errors = 0
    last_exc: Exception | None = None
    demuxer = container.demux(stream)
    while True:
        try:
            packet = next(demuxer)
        except StopIteration:
            break
        except av.error.FFmpegError as exc:  # a broken container: stop reading, flush what we have
            last_exc = exc
            n_errors += 1
            if errors is not None:
                errors.append(f"demux: {exc}")
            break
        try:
            frames = packet.decode()
        except av.error.FFmpegError as exc:
            n_errors += 1
            last_exc = exc
            if errors is not None:
                errors.append(f"decode: {exc}")
            if n_errors > MAX_DECODE_ERRORS:
                raise _fail(path, f"is corrupt: more than {MAX_DECODE_ERRORS} undecodable packets ({exc})") from None
            continue
        yield from frames
    if last_exc is not None:
        try:
            yield from stream.codec_context.decode(None)
        except av.error.FFmpegError:
            pass
        log.warning("%s: %d decode error(s), last: %s", path, n_errors, last_exc)


def frame_time(frame, info: VideoInfo) -> float | None:
    pts = frame.pts if frame.pts is not None else frame.dts
    if pts is None:
        return None
    return float(pts * info.time_base) - info.origin


def plane_array(plane, rows: int, cols: int) -> np.ndarray:
    arr = np.frombuffer(plane, np.uint8).reshape(-1, plane.line_size)
    return arr[:rows, :cols]


def _yuv420_small(frame, step: int) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """Views of an 8-bit 4:2:0 frame's planes, every `step`th sample, cropped so that Y is twice
    the chroma size: (Y, U, V). None for other pixel formats or a step under 2."""
    if step < 2 or frame.format.name not in ("yuv420p", "yuvj420p"):
        return None
    w, h = frame.width, frame.height
    planes = frame.planes
    y = plane_array(planes[0], h, w)[::step, ::step]
    u = plane_array(planes[1], (h + 1) // 2, (w + 1) // 2)[::step, ::step]
    v = plane_array(planes[2], (h + 1) // 2, (w + 1) // 2)[::step, ::step]
    hh, ww = min(u.shape[0], y.shape[0] // 2), min(u.shape[1], y.shape[1] // 2)
    return y[: 2 * hh, : 2 * ww], u[:hh, :ww], v[:hh, :ww]


def small_frame(frame, step: int, fallback_size: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """(BGR, gray) copies of a frame reduced by `step` (coded orientation).

    8-bit 4:2:0 frames are subsampled straight from their planes (no colour conversion at full
    size); other pixel formats go through swscale at the small size."""
    import cv2

    yuv = _yuv420_small(frame, step)
    if yuv is not None:
        y, u, v = (np.ascontiguousarray(p) for p in yuv)
        size = (y.shape[1], y.shape[0])
        u = cv2.resize(u, size, interpolation=cv2.INTER_NEAREST)
        v = cv2.resize(v, size, interpolation=cv2.INTER_NEAREST)
        bgr = cv2.cvtColor(cv2.merge((y, v, u)), cv2.COLOR_YCrCb2BGR)
        return bgr, y
    sw, sh = fallback_size
    bgr = frame.reformat(width=sw, height=sh, format="bgr24").to_ndarray()
    gray = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)
    return bgr, gray


def scratch(work: dict | None, name: str, shape: tuple[int, ...], dtype) -> np.ndarray:
    """An array to overwrite: from `work` (a dict kept by the caller from call to call, so a large
    array is not allocated and page-faulted anew each time) when given, grown as needed."""
    if work is None:
        return np.empty(shape, dtype)
    size = math.prod(shape)
    arr = work.get(name)
    if arr is None or arr.dtype != dtype or arr.size < size:
        arr = work[name] = np.empty(size, dtype)
    return arr[:size].reshape(shape)


class SmallFrames:
    """`small_frame` of consecutive frames as stacks: (n, h, w, 3) BGR and (n, h, w) gray, each
    frame's slice equal to its `small_frame`. A frame's planes are gathered when it is added
    (just decoded, still in the cache) and the colour conversion runs once for all of them (to a
    per-pixel conversion, frames stacked one above the other are one tall image).

    `work`, a dict the caller keeps from batch to batch, holds scratch arrays for reuse (a fresh
    large array costs page faults every time)."""

    def __init__(self, step: int, fallback_size: tuple[int, int], capacity: int, work: dict | None = None):
        self.step, self.fallback_size = step, fallback_size
        self.capacity = max(1, capacity)
        self.work = {} if work is None else work
        self._n = 0
        self._kind: tuple | None = None  # (pixel format, width, height) of the frames gathered
        self._gray: np.ndarray | None = None
        self._bgr: np.ndarray | None = None
        self._u: np.ndarray | None = None
        self._v: np.ndarray | None = None

    def _scratch(self, name: str, shape: tuple[int, ...]) -> np.ndarray:
        return scratch(self.work, name, shape, np.uint8)

    def add(self, frame) -> bool:
        """Gather a frame; False (and nothing done) when it differs from the frames gathered in
        pixel format or size, or the stacks are full: `take` those first."""
        kind = (frame.format.name, frame.width, frame.height)
        if self._n and (kind != self._kind or self._n >= self.capacity):
            return False
        k, cap = self._n, self.capacity
        yuv = _yuv420_small(frame, self.step)
        if yuv is None:
            sw, sh = self.fallback_size
            if k == 0:
                self._bgr, self._gray = self._scratch("bgr", (cap, sh, sw, 3)), None
            self._bgr[k] = frame.reformat(width=sw, height=sh, format="bgr24").to_ndarray()
        else:
            y, u, v = yuv
            if k == 0:
                self._gray, self._bgr = self._scratch("gray", (cap, *y.shape)), None
                self._u = self._scratch("u", (cap, *u.shape))
                self._v = self._scratch("v", (cap, *v.shape))
            self._gray[k], self._u[k], self._v[k] = y, u, v
        self._kind = kind
        self._n = k + 1
        return True

    def take(self) -> tuple[np.ndarray, np.ndarray]:
        """The stacks of the frames gathered since the last `take` (at least one). They are
        scratch arrays, overwritten from the next `add` on: copy what is kept."""
        import cv2

        n, self._n = self._n, 0
        if n == 0:
            raise ValueError("no frames gathered")
        if self._gray is None:  # gathered as BGR by swscale
            bgr, self._bgr = self._bgr[:n], None
            _, sh, sw, _ = bgr.shape
            gray = self._scratch("gray", (n * sh, sw))
            gray = cv2.cvtColor(bgr.reshape(n * sh, sw, 3), cv2.COLOR_BGR2GRAY, dst=gray)
            return bgr, gray.reshape(n, sh, sw)
        gray, self._gray = self._gray[:n], None
        _, h, w = gray.shape
        _, hh, ww = self._u.shape
        # a 2x nearest enlargement of the stacked chroma is each frame's own
        u2, v2 = self._scratch("u2", (n * h, w)), self._scratch("v2", (n * h, w))
        u2 = cv2.resize(self._u[:n].reshape(n * hh, ww), (w, n * h), dst=u2, interpolation=cv2.INTER_NEAREST)
        v2 = cv2.resize(self._v[:n].reshape(n * hh, ww), (w, n * h), dst=v2, interpolation=cv2.INTER_NEAREST)
        ycc = cv2.merge((gray.reshape(n * h, w), v2, u2), dst=self._scratch("ycc", (n * h, w, 3)))
        bgr = cv2.cvtColor(ycc, cv2.COLOR_YCrCb2BGR, dst=self._scratch("bgr", (n * h, w, 3)))
        return bgr.reshape(n, h, w, 3), gray


def rotate_array(arr: np.ndarray, rotation: int, axes: tuple[int, int] = (0, 1)) -> np.ndarray:
    """`arr` turned by `rotation` degrees (a multiple of 90) in the plane of `axes`: (0, 1) for an
    image, (1, 2) for a stack of them; a new contiguous array unless `rotation` is 0."""
    if rotation == 0:
        return arr
    return np.ascontiguousarray(np.rot90(arr, k=rotation // 90, axes=axes))


def to_display_image(frame, info: VideoInfo):
    """A decoded frame as a PIL RGB image, upright and with square pixels."""
    from PIL import Image

    img = frame.to_image()
    if img.mode != "RGB":
        img = img.convert("RGB")
    w, h = display_size(img.width, img.height, info.sar, 0)
    if (w, h) != img.size:
        img = img.resize((w, h), Image.Resampling.LANCZOS)
    if info.rotation == 90:
        img = img.transpose(Image.Transpose.ROTATE_90)
    elif info.rotation == 180:
        img = img.transpose(Image.Transpose.ROTATE_180)
    elif info.rotation == 270:
        img = img.transpose(Image.Transpose.ROTATE_270)
    return img


class FrameReader:
    """Decodes chosen frames at full resolution, visiting times in ascending order.

    It continues forward when the next target lies ahead in the same group of pictures and seeks
    otherwise; while far from a target it skips non-reference frames (cheap), and it decodes
    every frame near the target so the exact frame (by pts) comes out."""

    def __init__(self, info: VideoInfo, keyframe_pts: list[int] | None = None):
        self.info = info
        self.container = open_container(info.path)
        self.stream = next(s for s in self.container.streams.video if s.index == info.stream_index)
        self.keyframe_pts = sorted(keyframe_pts or [])
        self._frames: Iterator[Any] | None = None
        self._last_pts: int | None = None
        self._pending: Any = None
        self._skipping = False
        self.decoded = 0
        self.seeks = 0
        fps = info.fps or 25.0
        self._near = int(round(max(0.5, 10.0 / fps) / float(info.time_base)))

    def close(self) -> None:
        self.container.close()

    def __enter__(self) -> FrameReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _set_skip(self, on: bool) -> None:
        if on != self._skipping:
            self.stream.codec_context.skip_frame = "NONREF" if on else "DEFAULT"
            self._skipping = on

    def _keyframe_before(self, pts: int) -> int | None:
        import bisect

        i = bisect.bisect_right(self.keyframe_pts, pts) - 1
        return self.keyframe_pts[i] if i >= 0 else None

    def _seek(self, pts: int) -> None:
        self.seeks += 1
        self.container.seek(max(pts, 0), stream=self.stream, backward=True, any_frame=False)
        # a few frames per seek: no frame threads, so memory stays what the pass needed
        self._frames = iter_decoded(self.container, self.stream, Path(self.info.path), threads=False)
        self._last_pts = None
        self._pending = None

    def frames(self, start_pts: int, end_pts: int) -> Iterator[Any]:
        """Every decoded frame with start_pts <= pts <= end_pts, in order."""
        key = self._keyframe_before(start_pts)
        last = self._last_pts if self._pending is None else self._pending.pts - 1
        if self._frames is None or last is None or last >= start_pts:
            must_seek = True
        elif key is not None:
            must_seek = key > last  # a keyframe lies between here and there: seeking is cheaper
        else:
            must_seek = (start_pts - last) * self.info.time_base > 3.0
        if must_seek:
            self._set_skip(False)
            self._seek(key if key is not None else start_pts)
        while True:
            frame = self._next()
            if frame is None:
                return
            pts = frame.pts
            if pts < start_pts:
                # far from the target, non-reference frames are not needed: skip decoding them
                self._set_skip(start_pts - pts > self._near)
                continue
            self._set_skip(False)
            if pts > end_pts:
                self._pending = frame  # keep it for the next request
                return
            yield frame

    def _next(self):
        if self._pending is not None:
            frame, self._pending = self._pending, None
            return frame
        assert self._frames is not None
        for frame in self._frames:
            if frame.pts is None:
                continue
            self.decoded += 1
            self._last_pts = frame.pts
            return frame
        return None

    def frame_at(self, pts: int):
        """The frame whose pts is `pts` (or the first one after it); None past the end."""
        for frame in self.frames(pts, 1 << 62):
            return frame
        return None
