"""The streaming analysis pass, decoded in parallel chunks where the video allows it.

Decoding a video's reference frames is nearly serial (each P-frame needs the one before), so
ffmpeg's frame threads keep little more than one core busy. Separate decoders started at
different keyframes are independent, though. So the video is cut at keyframes into chunks, a
few worker threads decode and measure chunks (PyAV decodes without the GIL), and the caller gets
every chunk's frames back in time order, exactly as one sequential pass would give them: the
shot detector is stateful and sees every frame in order.

Where that cannot be done safely (a short video, keyframes too sparse to split, a container that
cannot seek, any decode error in a chunk), one sequential pass runs instead; a chunk that starts
anywhere but on its keyframe, or hits an error, makes the whole pass run again sequentially, so
the result never depends on how the work was split.

Memory stays flat with the video's length: at most `workers` chunks are in flight, each
holding at most `QUEUE_BATCHES` batches of small frames, and the full-resolution frames kept
are the few best per time bucket.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from studio.backends.video.decode import (
    OpenVideo,
    SmallFrames,
    VideoInfo,
    frame_time,
    iter_decoded,
    open_container,
    rotate_array,
)
from studio.backends.video.features import FrameFeatures
from studio.engine.threads import default_threads

log = logging.getLogger("studio.video")

#: frames per batch handed from a worker to the caller
BATCH = 32
#: full frames (bytes, about) a worker holds while their group waits to be measured
GROUP_BYTES = 24 << 20
#: batches a chunk may hold before its worker waits for the caller
QUEUE_BATCHES = 12
#: chunks shorter than this (seconds) are merged with the next one
MIN_CHUNK = 2.0
#: videos shorter than this (seconds) are decoded in one sequential pass
MIN_PARALLEL = 4.0

Quality = Callable[[float, float, float, float], float]


@dataclass
class Batch:
    """Up to BATCH consecutive analysed frames of one chunk."""

    feats: FrameFeatures
    bgr: list[np.ndarray]  # small BGR frame per analysed frame (for the shot detector)
    #: (quality, index in the chunk, full frame): the best frame of each time bucket completed
    kept: list[tuple[float, int, Any]] = field(default_factory=list)
    first: bool = False  # the chunk's first batch
    #: a later chunk's first full frame: rated by the caller once the frame before it is known
    lead: Any = None


class ParallelScanFailed(Exception):
    """A chunk could not be decoded exactly as a sequential pass would; run sequentially."""


def plan_chunks(info: VideoInfo, workers: int) -> list[tuple[int, int]]:
    """[start_pts, end_pts) chunks that each begin on a keyframe, found by seeking (cheap: one
    seek and one packet per probe). A single chunk means: decode sequentially."""
    whole = [(-(1 << 62), 1 << 62)]
    if workers < 2 or info.duration < MIN_PARALLEL or not info.time_base:
        return whole
    container = open_container(info.path)
    stream = next(s for s in container.streams.video if s.index == info.stream_index)
    tb = float(info.time_base)
    origin = info.origin
    probes = int(min(64, max(4 * workers, info.duration / MIN_CHUNK)))
    found: set[int] = set()
    try:
        for k in range(1, probes):
            target = int((origin + info.duration * k / probes) / tb)
            container.seek(target, stream=stream, backward=True, any_frame=False)
            for packet in container.demux(stream):
                if packet.pts is not None and packet.size:
                    if packet.is_keyframe:
                        found.add(int(packet.pts))
                    break
    except Exception as exc:  # noqa: BLE001 - an unseekable file decodes sequentially
        log.debug("%s: no chunked decoding (seek failed: %s)", info.path, exc)
        return whole
    finally:
        container.close()
    starts: list[int] = []
    for pts in sorted(found):
        t = pts * tb - origin
        if t < MIN_CHUNK or t > info.duration - MIN_CHUNK:
            continue
        if starts and (pts - starts[-1]) * tb < MIN_CHUNK:
            continue
        starts.append(pts)
    if not starts:
        return whole
    edges = [-(1 << 62), *starts, 1 << 62]
    return list(zip(edges[:-1], edges[1:]))


class Scan:
    """Runs the pass; iterate to get Batches in time order. Always `close()` it."""

    def __init__(
        self,
        opened: OpenVideo,
        *,
        step: int,
        fallback: tuple[int, int],
        skip_nonref: bool,
        quality: Quality,
        bucket: float,
        workers: int | None = None,
    ):
        self.info = opened.info
        self.path = Path(opened.info.path)
        self.step, self.fallback = step, fallback
        self.skip_nonref = skip_nonref
        self.quality = quality
        self.bucket = bucket
        want = default_threads() if workers is None else max(1, int(workers))
        try:
            self.chunks = plan_chunks(self.info, want)
        except BaseException:
            opened.close()  # the scan owns the open video from here on
            raise
        self.parallel = len(self.chunks) > 1
        self.workers = min(want, len(self.chunks))
        self._stop = threading.Event()
        self._cond = threading.Condition()
        self._head = 0  # the chunk the caller reads now
        self._next = 0  # the next chunk a worker takes
        self._queues: list[queue.Queue] = [queue.Queue(maxsize=QUEUE_BATCHES) for _ in self.chunks]
        self._threads: list[threading.Thread] = []
        self._opened: OpenVideo | None = None
        if self.parallel or skip_nonref:
            # each chunk opens its own decoder, set up before its first frame: a single-threaded
            # one per chunk; frame threads for one pass (that decoder already ran for the probe,
            # so non-reference frames would be skipped only from some frame on)
            opened.close()
        else:
            self._opened = opened  # one pass of every frame goes on from the probe's first frame
        for w in range(self.workers):
            th = threading.Thread(target=self._work, name=f"studio-video-decode-{w}", daemon=True)
            th.start()
            self._threads.append(th)

    # -- workers --------------------------------------------------------------------------------
    def _take(self) -> int | None:
        with self._cond:
            while not self._stop.is_set():
                k = self._next
                if k >= len(self.chunks):
                    return None
                if k < self._head + self.workers:  # bounded look-ahead keeps memory flat
                    self._next += 1
                    return k
                self._cond.wait(0.1)
        return None

    def _put(self, k: int, item: Any) -> bool:
        q = self._queues[k]
        while not self._stop.is_set():
            try:
                q.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _work(self) -> None:
        while True:
            k = self._take()
            if k is None:
                return
            try:
                self._decode_chunk(k)
            except ParallelScanFailed as exc:
                self._put(k, exc)
            except Exception as exc:  # noqa: BLE001 - handed to the caller, which raises it
                # in a chunk, any failure means: let one sequential pass meet it and report it
                self._put(k, ParallelScanFailed(f"chunk {k}: {exc}") if self.parallel else exc)
            except BaseException as exc:  # noqa: BLE001 - e.g. KeyboardInterrupt, raised in the caller
                self._put(k, exc)
            else:
                self._put(k, None)

    def _frames(self, k: int, errors: list[str]) -> tuple[Iterator[Any], Any]:
        if self._opened is not None:
            return self._opened.frames, None
        container = open_container(self.path)
        stream = next(s for s in container.streams.video if s.index == self.info.stream_index)
        if self.skip_nonref:
            stream.codec_context.skip_frame = "NONREF"
        start = self.chunks[k][0]
        if start > -(1 << 62):
            container.seek(start, stream=stream, backward=True, any_frame=False)
        # one decoder per core when chunked (frame threads would only compete), else frame threads
        return iter_decoded(container, stream, self.path, threads=not self.parallel, errors=errors), container

    def _decode_chunk(self, k: int) -> None:
        start, end = self.chunks[k]
        errors: list[str] = []
        frames, container = self._frames(k, errors)
        info = self.info
        feats = FrameFeatures()
        bgrs: list[np.ndarray] = []
        # the best full-resolution frame of the current time bucket; a batch carries the frames
        # of the buckets completed while it filled, so few full frames wait in the queues
        best: tuple[int, float, int, Any] | None = None  # (bucket, quality, chunk index, frame)
        kept: list[tuple[float, int, Any]] = []
        done = 0  # frames of this chunk already sent
        first_frame: Any = None  # a later chunk's first frame, rated by the caller
        first = True
        # frames are measured a group at a time: each frame's small planes are gathered as it is
        # decoded, and the group is converted and measured together (far fewer calls holding the
        # GIL than frame by frame). A group never straddles two batches; its full frames wait
        # (about GROUP_BYTES of them at most) until their measurements rate them.
        small: SmallFrames | None = None
        group: list[tuple[Any, int, float]] = []  # (frame, pts, time)
        work: dict = {}  # scratch arrays of the measurements

        def measure() -> bool:
            """Measure and rate the group's frames; send the batch once full. False: stopped."""
            nonlocal feats, bgrs, kept, best, done, first_frame
            bgr, gray = small.take()  # scratch arrays: what is kept is copied
            bgr, gray = rotate_array(bgr, info.rotation, axes=(1, 2)), rotate_array(gray, info.rotation, axes=(1, 2))
            feats.add_batch([p for _, p, _ in group], [t for _, _, t in group], bgr, gray,
                            [bool(f.key_frame) for f, _, _ in group], work)
            base = len(bgrs)
            bgrs.extend(list(bgr) if info.rotation else [b.copy() for b in bgr])  # turned: new arrays
            for j, (frame, _, t) in enumerate(group):
                i = base + j
                if first_frame is None and k > 0:
                    # its delta (so its quality) needs the previous chunk's last frame: the caller
                    # rates it and offers it to the reservoir
                    first_frame = frame
                    continue
                q = self.quality(feats.luma[i], feats.contrast[i], feats.sharpness[i], feats.delta[i])
                b = int(t / self.bucket)
                if best is not None and best[0] != b:
                    kept.append(best[1:])  # the previous bucket is complete
                    best = None
                if q > 0 and (best is None or q > best[1]):
                    best = (b, q, done + i, frame)
            group.clear()
            if len(bgrs) >= BATCH:
                if not self._put(k, Batch(feats, bgrs, kept, first=done == 0, lead=first_frame if done == 0 else None)):
                    return False
                done += len(bgrs)
                feats, bgrs, kept = feats.carry_on(), [], []
            return True

        try:
            for frame in frames:
                if self._stop.is_set():
                    return
                pts = frame.pts
                t = frame_time(frame, info)
                if pts is None or t is None or pts < start:
                    continue
                if pts >= end:
                    break
                if first and self.parallel and k > 0 and pts != start:
                    raise ParallelScanFailed(f"chunk {k} starts at pts {pts}, not on its keyframe {start}")
                first = False
                if small is None:
                    held = sum(p.buffer_size for p in frame.planes)  # one full frame's bytes
                    size = BATCH
                    while size > 1 and size * held > GROUP_BYTES:
                        size //= 2
                    small = SmallFrames(self.step, self.fallback, size, work)
                if not small.add(frame):  # another frame size or pixel format from here on
                    if not measure():
                        return
                    small.add(frame)
                group.append((frame, pts, t))
                del frame
                full = len(group) >= small.capacity or len(bgrs) + len(group) >= BATCH
                if full and not measure():
                    return
            if group and not measure():
                return
            if self.parallel and errors:
                raise ParallelScanFailed(f"chunk {k}: {errors[-1]}")
            if best is not None:
                kept.append(best[1:])
            if bgrs or kept:
                self._put(k, Batch(feats, bgrs, kept, first=done == 0, lead=first_frame if done == 0 else None))
        finally:
            if container is not None:
                container.close()

    # -- the caller -----------------------------------------------------------------------------
    def __iter__(self) -> Iterator[Batch]:
        for k in range(len(self.chunks)):
            with self._cond:
                self._head = k
                self._cond.notify_all()
            q = self._queues[k]
            while True:
                item = q.get()
                if item is None:
                    break
                if isinstance(item, BaseException):
                    raise item
                yield item
            self._queues[k] = queue.Queue()  # drop the finished chunk's queue

    def close(self) -> None:
        self._stop.set()
        with self._cond:
            self._cond.notify_all()
        for th in self._threads:
            while th.is_alive():
                for q in self._queues:
                    try:
                        while True:
                            q.get_nowait()
                    except queue.Empty:
                        pass
                th.join(timeout=0.05)
        if self._opened is not None:
            self._opened.close()
