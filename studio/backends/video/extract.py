"""Keyframe extraction: one streaming pass, then exact full-resolution frames.

1. Stream the video once at reduced resolution (PyAV, threaded decoding). Unless TransNetV2 is
   asked for, non-reference frames are not decoded at all in this pass (``fast``): they are the
   cheap half of the work but also half the frames, and every cut is afterwards placed on the
   exact first frame of its shot by decoding the few frames around it.
2. For every analysed frame keep a few numbers (brightness, contrast, sharpness, motion, a hash,
   an 8x6 colour thumbnail) and feed the shot detector.
3. Build shots: detector cuts, blank stretches (gaps, not shots), one boundary per gradual
   transition, no cut for a flash.
4. Score frames, pick the best per shot (and per part of a long shot), rank, drop duplicates.
5. Decode the chosen frames at full resolution: a frame kept from the pass (a small reservoir of
   the best frame per time bucket, bounded in bytes) or a seek.
6. Find faces. A keyframe that shows none gives way to another, nearly as good moment of the
   same shot part that does (faces are part of the choice). Where a keyframe shows several
   faces, measure whose mouth moves (`studio.backends.video.speakers`). Attach subtitles.
"""

from __future__ import annotations

import logging
import time as _time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from studio.backends.image.faces import detect_faces
from studio.backends.video import subtitles as subs
from studio.backends.video.decode import (
    FrameReader,
    VideoInfo,
    frame_time,
    open_video,
    small_frame,
    to_display_image,
)
from studio.backends.video.features import FrameFeatures, dhash, hamming
from studio.backends.video.scan import ParallelScanFailed, Scan
from studio.backends.video.select import Candidate, candidates, choose, frame_scores, more_moments
from studio.backends.video.shots import (
    DETECTORS,
    Boundary,
    Segment,
    blank_mask,
    build_segments,
    make_detector,
    runs,
    thumb_distance,
)
from studio.engine.errors import InputError
from studio.engine.threads import default_threads

log = logging.getLogger("studio.video")

#: width of the frames analysed in the streaming pass (PySceneDetect analyses at 256 px too)
ANALYSIS_WIDTH = 160
#: bytes of full-resolution frames kept from the pass for the final pick
RESERVOIR_BYTES = 32 * 2**20
#: a keyframe without a face may give way to another moment of its shot part kept from the pass
#: (the most different one at least ALT_GAP s away scoring at least ALT_SCORE of the best) when
#: that one shows a face
#: (looked for at ALT_SCAN_SIDE px on the long side, about 40% of the cost of the full search)
ALT_GAP = 0.75
ALT_SCORE = 0.8
ALT_SCAN_SIDE = 320


@dataclass
class KeyframeOptions:
    detector: str = "fused"
    threshold: float | None = None
    min_shot: float = 0.5
    max_frames: int = 12
    split_seconds: float = 5.0
    dedupe: int = 6
    faces: bool = True
    fast: bool = True
    device: str = "auto"
    subtitles: str | None = None
    embedded_subtitles: bool = True
    workers: int | None = None  # decoding threads for the pass (None: one per core, at most 8)
    fill: bool = False  # fewer shots than max_frames: distinct moments from inside the shots (select.more_moments)


@dataclass
class Keyframe:
    time: float
    pts: int
    scene: int
    score: float
    image: Any  # PIL RGB, upright, square pixels
    faces: list[list[int]] = field(default_factory=list)
    subtitles: list[str] = field(default_factory=list)
    talking: list[dict[str, float]] | None = None  # per face, when it shows two or more (studio.backends.video.speakers)
    extra: bool = False  # not its shot's own best moment: another part of a long shot, a moment added to fill the frames asked for (select.more_moments), a close-up


@dataclass
class Scene:
    start: float
    end: float
    keyframes: list[int] = field(default_factory=list)  # indices into KeyframeResult.keyframes


@dataclass
class KeyframeResult:
    info: VideoInfo
    detector: str
    cuts: list[float]
    scenes: list[Scene]
    gaps: list[tuple[float, float]]
    keyframes: list[Keyframe]
    subtitle_source: str | None
    stats: dict[str, Any]
    timeline: np.ndarray | None = None  # (rows, columns, 3) RGB slit scan along the video, for the preview

    def scenes_json(self, keyframe_paths: list[str]) -> dict[str, Any]:
        scenes = []
        for s in self.scenes:
            kfs = []
            for k in s.keyframes:
                kf = self.keyframes[k]
                kfs.append({
                    "time": round(kf.time, 6), "path": keyframe_paths[k], "score": round(kf.score, 4),
                    "faces": len(kf.faces), "face_boxes": kf.faces, "subtitles": kf.subtitles,
                })
            scenes.append({"start": round(s.start, 6), "end": round(s.end, 6), "keyframes": kfs})
        return {
            "video": self.info.path,
            "duration": round(self.info.duration, 6),
            "fps": round(self.info.fps, 6),
            "width": self.info.display_width,
            "height": self.info.display_height,
            "detector": self.detector,
            "cuts": [round(c, 6) for c in self.cuts],
            "gaps": [[round(a, 6), round(b, 6)] for a, b in self.gaps],
            "subtitles": self.subtitle_source,
            "scenes": scenes,
        }


Progress = Callable[[float, str], None]


class _Reservoir:
    """The best full-resolution frame per time bucket, seen during the pass (bounded in bytes)."""

    def __init__(self, info: VideoInfo):
        frame_bytes = max(info.width * info.height * 3 // 2, 1)
        self.slots = int(min(64, RESERVOIR_BYTES // frame_bytes))
        self.bucket = max((info.duration or 1.0) / max(self.slots, 1), 0.2)
        self.best: dict[int, tuple[float, int, Any]] = {}

    def offer(self, t: float, index: int, quality: float, frame: Any) -> None:
        if self.slots <= 0:
            return
        b = int(t / self.bucket)
        cur = self.best.get(b)
        if cur is None or quality > cur[0]:
            if cur is None and len(self.best) >= self.slots:
                worst = min(self.best, key=lambda k: self.best[k][0])
                if self.best[worst][0] >= quality:
                    return
                del self.best[worst]
            self.best[b] = (quality, index, frame)

    def by_index(self) -> dict[int, Any]:
        return {idx: fr for _, idx, fr in self.best.values()}


def _online_quality(luma: float, contrast: float, sharp: float, delta: float) -> float:
    if luma < 20 or luma > 240 or contrast < 8:
        return 0.0
    return float(np.sqrt(max(sharp, 0.0)) * min(contrast / 30.0, 1.0) / (1.0 + delta))


def _analysis_step(info: VideoInfo) -> tuple[int, tuple[int, int]]:
    step = max(1, int(round(max(info.width, info.height) / ANALYSIS_WIDTH)))
    if max(info.width, info.height) > ANALYSIS_WIDTH * 1.5:
        step = max(step, 2)
    return step, (max(16, info.width // step), max(16, info.height // step))


def extract_keyframes(
    path: str | Path,
    options: KeyframeOptions | None = None,
    *,
    progress: Progress | None = None,
    check_cancelled: Callable[[], None] | None = None,
) -> KeyframeResult:
    """Shots and keyframes of a video (see the module docstring)."""
    opts = options or KeyframeOptions()
    if opts.detector not in DETECTORS:
        raise InputError(f"unknown detector {opts.detector!r}; use one of {', '.join(DETECTORS)}")
    t_start = _time.perf_counter()
    report = progress or (lambda f, m: None)
    opened = open_video(path)
    info = opened.info
    src = Path(info.path)
    use_skip = opts.fast and opts.detector != "transnetv2"
    try:
        # subtitles first: a bad subtitles file should fail before minutes of decoding
        cues: list[subs.Cue] = []
        sub_source: str | None = None
        if opts.subtitles:
            cues = subs.read_subtitle_file(opts.subtitles)
            sub_source = str(Path(opts.subtitles).expanduser())
        else:
            side = subs.find_sidecar(src)
            if side is not None:
                cues = subs.read_subtitle_file(side)
                sub_source = str(side)
    except BaseException:
        opened.close()
        raise
    step, fallback = _analysis_step(info)
    try:
        feats, reservoir, raw_cuts, workers = _analyse(opened, opts, step, fallback, use_skip, report, check_cancelled, workers=opts.workers)
    except ParallelScanFailed as exc:
        # a chunk did not decode exactly as one pass would: do the one pass
        log.info("%s: chunked decoding not possible (%s); decoding in one pass", src, exc)
        feats, reservoir, raw_cuts, workers = _analyse(open_video(src), opts, step, fallback, use_skip, report, check_cancelled, workers=1)
    t_pass = _time.perf_counter() - t_start
    if len(feats) == 0:
        raise InputError(f"{src}: no video frame could be decoded; the file is truncated or corrupt")
    a = feats.arrays()
    times = a["time"]
    # a file that stops long before its declared duration is truncated
    frame_dur = 1.0 / info.fps if info.fps else 0.04
    decoded_end = float(times[-1]) + frame_dur
    if info.duration > 2.0 and decoded_end < 0.85 * info.duration and info.duration - decoded_end > 1.0:
        raise InputError(
            f"{src}: is truncated or corrupt: it declares {info.duration:.1f} s of video but only "
            f"{decoded_end:.1f} s could be decoded"
        )
    end_time = max(info.duration, decoded_end)
    # keep times monotonic (decoders output in presentation order; guard against odd files)
    order = np.argsort(times, kind="stable")
    if np.any(order != np.arange(len(order))):
        a = {k: v[order] for k, v in a.items()}
        times = a["time"]
        remap = {int(old): new for new, old in enumerate(order)}
        reservoir.best = {b: (q, remap[i], f) for b, (q, i, f) in reservoir.best.items()}

    blank = blank_mask(a["dark"], a["bright"])
    all_blank = bool(blank.all())
    segments, bounds = build_segments(
        times, blank if not all_blank else np.zeros_like(blank), a["thumbs"], raw_cuts,
        end_time=end_time, min_shot=opts.min_shot,
        # the fused detector finds dissolves and wipes itself; TransNetV2 too, and its own rule
        # (one boundary per run, flashes checked on its pictures: transnet.py) is more accurate
        # than the thumbnail passes on top of it (benchmarks/transnet_probs.py, issue #20)
        gradual=opts.detector not in ("fused", "transnetv2"),
        flash_filter=opts.detector != "transnetv2",
    )
    if all_blank:
        # nothing but flat frames (a test card, a colour field): one shot, best frames anyway
        blank = np.zeros_like(blank)
        segments = [Segment(float(times[0]), end_time, 0, len(times), False)]
        bounds = []
    shots = [s for s in segments if not s.blank]
    gaps = [(s.start, s.end) for s in segments if s.blank]
    report(0.87, f"{len(shots)} shot(s)")

    reader = FrameReader(info, [int(p) for p, k in zip(a["pts"], a["key"]) if k])
    try:
        # exact cut times: when non-reference frames were skipped, look at every frame around a cut
        if use_skip and bounds:
            bounds, shots, gaps = _refine_cuts(reader, info, a, bounds, segments)
        scores = frame_scores(a, shots, blank)
        cands = candidates(shots, scores, times, split_seconds=opts.split_seconds)
        chosen = choose(cands, shots, a, max_frames=opts.max_frames, dedupe=opts.dedupe)
        # fewer shots than keyframes asked for: distinct moments from inside the shots
        if opts.fill:
            chosen = more_moments(chosen, shots, scores, a, max_frames=opts.max_frames, dedupe=opts.dedupe)
        if not chosen and len(times):
            # nothing scored (e.g. every frame dark): the best frame by exposure still says something
            i = int(np.argmax(a["contrast"] + a["luma"] * 0.01))
            chosen = [Candidate(i, 0, 0, 0, len(times), 0.0, True)]
            if not shots:
                shots = [Segment(float(times[0]), end_time, 0, len(times), False)]
        if check_cancelled:
            check_cancelled()
        keyframes, alts = _grab(reader, info, a, scores, chosen, shots, reservoir, opts, report)
    finally:
        reader.close()
    reservoir.best.clear()  # free the other kept frames (and the decoders' buffers) before the faces
    swaps = 0
    if opts.faces and keyframes:
        swaps = _find_faces(keyframes, alts, info, a, scores)
        report(0.99, "faces")
    alts.clear()
    if opts.fill and keyframes:
        keyframes = _distinct_panels(keyframes, opts.max_frames, opts.dedupe)
    crowd = [kf for kf in keyframes if len(kf.faces) >= 2]
    if crowd:
        _who_talks(crowd, info, [int(p) for p, k in zip(a["pts"], a["key"]) if k])

    if opts.embedded_subtitles and not cues and info.subtitle_streams:
        cues = subs.read_embedded(src)
        if cues:
            sub_source = f"{src}#stream{info.subtitle_streams[0]}"
    scenes = [Scene(s.start, s.end) for s in shots]
    for k, kf in enumerate(keyframes):
        scenes[kf.scene].keyframes.append(k)
        s = shots[kf.scene]
        kf.subtitles = subs.lines_between(cues, s.start, s.end) if cues else []
    stats = {
        "frames_analysed": int(len(times)), "skip_nonref": use_skip, "analysis_step": step, "decoders": workers,
        "pass_seconds": round(t_pass, 3), "seconds": round(_time.perf_counter() - t_start, 3),
        "frames_decoded_after": reader.decoded, "seeks": reader.seeks, "reservoir": len(reservoir.best),
        "all_blank": all_blank, "face_swaps": swaps,
    }
    report(1.0, f"{len(keyframes)} keyframe(s) from {len(shots)} shot(s)")
    return KeyframeResult(
        info=info, detector=opts.detector, cuts=[b.time for b in bounds], scenes=scenes, gaps=gaps,
        keyframes=keyframes, subtitle_source=sub_source if cues else None, stats=stats,
        timeline=_timeline_colours(a, end_time),
    )


def _analyse(opened, opts: KeyframeOptions, step: int, fallback: tuple[int, int], use_skip: bool, report, check_cancelled, *, workers: int | None):
    """The streaming pass: every analysed frame in time order through the features, the shot
    detector and the reservoir. Returns (features, reservoir, raw cuts, decoding threads used)."""
    info = opened.info
    feats = FrameFeatures()
    reservoir = _Reservoir(info)
    raw_cuts: list[float] = []
    # decoding starts now, while the detector (and its libraries) load
    scan = Scan(opened, step=step, fallback=fallback, skip_nonref=use_skip, quality=_online_quality,
                bucket=reservoir.bucket, workers=workers)
    try:
        origin_pts = int(round(info.origin / float(info.time_base))) if info.time_base else 0
        det = make_detector(
            opts.detector, threshold=opts.threshold, min_scene_len=opts.min_shot, fps=info.fps,
            time_base=info.time_base, origin_pts=origin_pts, device=opts.device,
        )
        expected = info.frame_count or max(int(info.duration * (info.fps or 25)), 1)
        chunk_start = 0  # index of the current chunk's first frame
        for batch in scan:
            if batch.first:
                chunk_start = len(feats)
            bf = batch.feats
            for j, bgr in enumerate(batch.bgr):
                raw_cuts += det.push(bf.pts[j], bf.time[j], bgr)
            feats.extend(bf)
            if batch.lead is not None:  # a later chunk's first frame, now that its delta is known
                i = chunk_start
                quality = _online_quality(feats.luma[i], feats.contrast[i], feats.sharpness[i], feats.delta[i])
                if quality > 0:
                    reservoir.offer(feats.time[i], i, quality, batch.lead)
            for quality, j, frame in batch.kept:
                reservoir.offer(feats.time[chunk_start + j], chunk_start + j, quality, frame)
            if check_cancelled:
                check_cancelled()
            n, t = len(feats), feats.time[-1]
            report(min(0.85, 0.85 * n / expected if not use_skip else 0.85 * t / max(info.duration, 1e-6)), f"analysing frame {n}")
        raw_cuts += det.finish()
    finally:
        scan.close()
    return feats, reservoir, raw_cuts, scan.workers if scan.parallel else 1


def _refine_cuts(reader: FrameReader, info: VideoInfo, a: dict[str, np.ndarray], bounds: list[Boundary], segments: list[Segment]):
    """Move each boundary to the exact first frame of its new segment. Frames skipped in the
    pass are decoded here, only between the two analysed frames either side of a boundary:
    a blank edge goes to the first frame whose blankness flips, a cut to the biggest change."""
    import cv2

    times, pts = a["time"], a["pts"]
    fdur = 1.0 / info.fps if info.fps else 0.04
    step, fallback = _analysis_step(info)
    moved: dict[float, float] = {}
    for b in bounds:
        i = int(np.searchsorted(times, b.time - 1e-9))
        if i <= 0 or i >= len(times) or times[i] - times[i - 1] < 1.5 * fdur:
            continue
        if b.kind == "gradual":
            continue  # a dissolve's middle: no single true frame to find
        if b.kind == "blank":
            luma = a["luma"]
            jump = abs(float(luma[i]) - float(luma[i - 1]))
            settled = i + 1 >= len(times) or abs(float(luma[i + 1]) - float(luma[i])) < 0.25 * jump
            if jump < 20.0 or not settled:
                continue  # the edge of a fade to or from black: no single true frame either
        local = FrameFeatures()
        for frame in reader.frames(int(pts[i - 1]), int(pts[i])):
            t = frame_time(frame, info)
            if t is None:
                continue
            bgr, gray = small_frame(frame, step, fallback)
            local.add(frame.pts, t, bgr, gray, False)
        la = local.arrays()
        if len(local) < 3:
            continue
        if b.kind == "blank":
            bl = blank_mask(la["dark"], la["bright"])
            flips = np.flatnonzero(bl[1:] != bl[:-1])
            new_t = float(la["time"][flips[0] + 1]) if flips.size else b.time
        else:
            d = thumb_distance(la["thumbs"][1:], la["thumbs"][:-1]) + la["delta"][1:]
            new_t = float(la["time"][1 + int(np.argmax(d))])
        moved[b.time] = new_t
    del cv2
    new_bounds = [Boundary(moved.get(b.time, b.time), b.kind) for b in bounds]
    for s in segments:
        s.start = moved.get(s.start, s.start)
        s.end = moved.get(s.end, s.end)
    return new_bounds, [s for s in segments if not s.blank], [(s.start, s.end) for s in segments if s.blank]


def _decode_cost(a: dict[str, np.ndarray]) -> np.ndarray:
    """Frames to decode to reach each analysed frame after a seek: the analysed (reference)
    frames since the keyframe before it, itself included."""
    n = len(a["time"])
    idx = np.arange(n)
    last_key = np.maximum.accumulate(np.where(a["key"].astype(bool), idx, 0)) if n else idx
    return idx - last_key + 1


def _grab(reader, info, a, scores, chosen, shots, reservoir: _Reservoir, opts: KeyframeOptions, report
          ) -> tuple[list[Keyframe], dict[int, tuple[int, Any]]]:
    """Full-resolution images of the chosen frames. Where a frame of nearly the same quality in
    the same part of the shot is cheaper to get (kept from the pass, or fewer frames after its
    keyframe), that one is taken; the rest are decoded exactly, by a few readers in parallel.

    Also returns, by keyframe number, another moment of the same shot part kept from the pass
    (index, decoded frame) that is nearly as good, for the face search (see `_find_faces`)."""
    kept = reservoir.by_index()
    pts = a["pts"]
    times = a["time"]
    cost = _decode_cost(a)
    picks: list[tuple[Candidate, int]] = []
    for c in chosen:
        best = c.index
        # close to the best one in time, so the parts of a long shot stay spread out
        reach = max(0.5, 0.15 * float(times[c.hi - 1] - times[c.lo]))
        near = [i for i in range(c.lo, c.hi) if abs(times[i] - times[best]) <= reach]
        pool = sorted((i for i in near if i in kept and scores[i] >= 0.85 * scores[best]), key=lambda i: (-scores[i], i))
        if best in kept:
            pick = best
        elif pool:
            pick = pool[0]  # a frame kept from the pass saves a seek
        else:
            pick = min((i for i in near if scores[i] >= 0.9 * scores[best]), key=lambda i: (cost[i], -scores[i], i), default=best)
        picks.append((c, pick))
    alt_of: dict[int, int] = {}
    if opts.faces:
        for n, (c, pick) in enumerate(picks):
            floor = ALT_SCORE * scores[c.index]
            others = [i for i in kept if c.lo <= i < c.hi and abs(times[i] - times[pick]) >= ALT_GAP and scores[i] >= floor]
            if others:
                # the most different of them: a face turned to the camera changes the picture
                far = thumb_distance(a["thumbs"][others], a["thumbs"][pick])
                alt_of[n] = others[int(np.argmax(far))]
    alts = {n: (i, kept[i]) for n, i in alt_of.items()}
    # keep only the kept frames that are used; the rest go back to the decoder's pool now
    kept = {i: kept[i] for _, i in picks if i in kept}
    reservoir.best.clear()
    images: dict[int, Any] = {}
    for i, frame in kept.items():
        images[i] = to_display_image(frame, info)
    kept.clear()
    todo = sorted({i for _, i in picks if i not in images})
    if todo:
        groups = _split(todo, min(opts.workers or default_threads(), len(todo), 4))
        if len(groups) == 1:
            images.update(_decode_exact(reader, info, a, groups[0]))
        else:
            from concurrent.futures import ThreadPoolExecutor

            def one(group: list[int]) -> tuple[dict[int, Any], int, int]:
                with FrameReader(info, reader.keyframe_pts) as r:
                    got = _decode_exact(r, info, a, group)
                    return got, r.decoded, r.seeks

            with ThreadPoolExecutor(len(groups), thread_name_prefix="studio-keyframe") as pool_ex:
                for got, decoded, seeks in pool_ex.map(one, groups):
                    images.update(got)
                    reader.decoded += decoded
                    reader.seeks += seeks
    out: list[Keyframe] = []
    out_alts: dict[int, tuple[int, Any]] = {}
    for n, (c, i) in enumerate(picks):
        img = images.get(i)
        if img is None:
            continue
        if n in alts:
            out_alts[len(out)] = alts[n]
        out.append(Keyframe(time=float(times[i]), pts=int(pts[i]), scene=c.shot, score=float(scores[i]), image=img, extra=c.extra or not c.primary))
        report(0.88 + 0.08 * (n + 1) / max(len(chosen), 1), f"keyframe {n + 1}/{len(chosen)}")
    return out, out_alts


def _split(items: list[int], parts: int) -> list[list[int]]:
    """`items` (in time order) in `parts` contiguous groups of nearly equal size."""
    size, extra = divmod(len(items), parts)
    out, at = [], 0
    for k in range(parts):
        n = size + (1 if k < extra else 0)
        if n:
            out.append(items[at: at + n])
        at += n
    return out


def _decode_exact(reader: FrameReader, info: VideoInfo, a: dict[str, np.ndarray], indices: list[int]) -> dict[int, Any]:
    """Display images of analysed frames, decoded exactly by pts (ascending)."""
    pts, times = a["pts"], a["time"]
    out: dict[int, Any] = {}
    for i in indices:
        frame = reader.frame_at(int(pts[i]))
        if frame is None:
            continue
        got = frame_time(frame, info)
        if got is not None and abs(got - float(times[i])) > 1e-6:
            log.warning("%s: asked for the frame at %.6f s, decoder gave %.6f s", info.path, times[i], got)
        out[i] = to_display_image(frame, info)
    return out


#: close-ups show these shares of their frame's width and height (a close shot, a medium one, a tight one)
CLOSEUPS = (0.55, 0.75, 0.4)
#: a close-up after the first framing is made only when its short side keeps this many pixels
MIN_CLOSEUP_SIDE = 180


def _image_hash(img: Any) -> int:
    """The difference hash of a keyframe image, as the analysis pass hashes its frames."""
    import cv2

    g = np.asarray(img.convert("L"))
    w = ANALYSIS_WIDTH
    return dhash(cv2.resize(g, (w, max(1, round(w * g.shape[0] / g.shape[1]))), interpolation=cv2.INTER_AREA))


def _closeup(kf: Keyframe, share: float) -> Keyframe:
    """A tighter framing of a keyframe: on its largest face (with the shoulders), else on its most
    detailed region; `share` of the frame each way, at the frame's own pixels."""
    import cv2

    img = kf.image
    w, h = img.size
    cw, ch = max(16, round(w * share)), max(16, round(h * share))
    if kf.faces:
        x, y, fw, fh = max(kf.faces, key=lambda f: f[2] * f[3])
        cx, cy = x + fw / 2, y + fh * 0.75
    else:
        g = np.asarray(img.convert("L").resize((64, max(1, round(64 * h / w)))), dtype=np.float32)
        energy = cv2.blur(np.abs(cv2.Laplacian(g, cv2.CV_32F)), (max(3, round(64 * share)), max(3, round(g.shape[0] * share))))
        energy *= np.linspace(1.15, 0.65, energy.shape[0], dtype=np.float32)[:, None]  # heads are up, not at the hands
        yy, xx = np.unravel_index(int(np.argmax(energy)), energy.shape)
        cx, cy = (xx + 0.5) * w / 64, (yy + 0.5) * h / g.shape[0]
    x0 = int(round(min(max(cx - cw / 2, 0), w - cw)))
    y0 = int(round(min(max(cy - ch / 2, 0), h - ch)))
    crop = img.crop((x0, y0, x0 + cw, y0 + ch))
    faces = []
    for fx, fy, fw, fh in kf.faces:
        ax, ay = max(fx, x0), max(fy, y0)
        bx, by = min(fx + fw, x0 + cw), min(fy + fh, y0 + ch)
        if (bx - ax) * (by - ay) >= 0.6 * fw * fh:
            faces.append([ax - x0, ay - y0, bx - ax, by - ay])
    return Keyframe(time=kf.time, pts=kf.pts, scene=kf.scene, score=kf.score, image=crop, faces=faces, extra=True)


def _distinct_panels(keyframes: list[Keyframe], wanted: int, dedupe: int) -> list[Keyframe]:
    """Keyframes for the panels asked for, no two alike: an added moment whose final picture
    (after the cheaper-frame and face choices) hashes within `dedupe` bits of an earlier one goes;
    while fewer than `wanted`, close-ups of the keyframes (faces first, then the best) that differ
    from every other picture join, each after its source."""
    hashes = [_image_hash(k.image) for k in keyframes]
    kept: list[tuple[Keyframe, int]] = []
    # the shots' own best moments first, then the others in time order
    for n in sorted(range(len(keyframes)), key=lambda n: (keyframes[n].extra, n)):
        kf, hsh = keyframes[n], hashes[n]
        if kf.extra and any(hamming(hsh, o) <= dedupe for _, o in kept):
            continue
        kept.append((kf, hsh))
    kept.sort(key=lambda item: keyframes.index(item[0]))
    if len(kept) < wanted:
        order = sorted(range(len(kept)), key=lambda i: (-len(kept[i][0].faces), -kept[i][0].score, i))
        added: list[tuple[int, Keyframe, int]] = []
        for share in CLOSEUPS:
            for i in order:
                if len(kept) + len(added) >= wanted:
                    break
                src = kept[i][0].image
                if min(src.width, src.height) * share < MIN_CLOSEUP_SIDE and share != CLOSEUPS[0]:
                    continue  # too few pixels for a panel of its own
                close = _closeup(kept[i][0], share)
                hsh = _image_hash(close.image)
                if any(hamming(hsh, o) <= dedupe for _, o in kept) or any(hamming(hsh, o) <= dedupe for _, _, o in added):
                    continue
                added.append((i, close, hsh))
        if added:
            merged: list[tuple[Keyframe, int]] = []
            for i, item in enumerate(kept):
                merged.append(item)
                merged += [(c, hh) for j, c, hh in added if j == i]
            kept = merged
    return [k for k, _ in kept]


def _find_faces(keyframes: list[Keyframe], alts: dict[int, tuple[int, Any]] | None = None, info: VideoInfo | None = None,
                a: dict[str, np.ndarray] | None = None, scores: np.ndarray | None = None) -> int:
    """Confirmed frontal face boxes for every keyframe (OpenCV's Haar cascades). Faces count in the
    choice: a keyframe that shows no face gives way to its alternative (another moment of the same
    shot part, kept from the pass, scoring at least ALT_SCORE of the best) when that one shows a
    face: found by a quick search at ALT_SCAN_SIDE px and confirmed by the full one. Returns the
    number of keyframes that gave way."""

    swaps = 0
    for n, kf in enumerate(keyframes):
        kf.faces = detect_faces(kf.image)
        if kf.faces or not alts or n not in alts or info is None or a is None or scores is None:
            continue
        i, frame = alts[n]
        img = to_display_image(frame, info)
        if not detect_faces(img, max_side=ALT_SCAN_SIDE):
            continue
        faces = detect_faces(img)  # the full search must agree: a face the quick look made up loses
        if not faces:
            continue
        kf.image, kf.time, kf.pts, kf.score, kf.faces = img, float(a["time"][i]), int(a["pts"][i]), float(scores[i]), faces
        swaps += 1
    return swaps


def _who_talks(keyframes: list[Keyframe], info: VideoInfo, keyframe_pts: list[int]) -> None:
    """Talking scores for the faces of keyframes that show several (see `speakers`)."""
    import av

    from studio.backends.video import speakers

    with FrameReader(info, keyframe_pts) as reader:
        for kf in sorted(keyframes, key=lambda k: k.pts):
            try:
                kf.talking = speakers.measure(reader, info, kf.pts, kf.faces) or None
            except (InputError, av.error.FFmpegError) as exc:
                # the keyframe itself decoded; its neighbours did not: who talks stays unknown
                log.warning("%s: frames around %.3f s could not be decoded to see who talks (%s)", info.path, kf.time, exc)
                kf.talking = None


def _timeline_colours(a: dict[str, np.ndarray], duration: float, columns: int = 480) -> np.ndarray | None:
    times = a["time"]
    if len(times) == 0:
        return None
    centres = (np.arange(columns) + 0.5) / columns * max(duration, 1e-6)
    idx = np.clip(np.searchsorted(times, centres), 0, len(times) - 1)
    # a slit scan: the middle column of each frame's thumbnail, top to bottom
    thumbs = a["thumbs"][idx]  # (columns, h, w, 3) BGR
    slit = thumbs[:, :, thumbs.shape[2] // 2, ::-1]  # (columns, h, 3) RGB
    return np.ascontiguousarray(slit.transpose(1, 0, 2))  # (h, columns, 3)


__all__ = [
    "KeyframeOptions", "Keyframe", "Scene", "KeyframeResult", "extract_keyframes",
    "runs", "thumb_distance",
]
