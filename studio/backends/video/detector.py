"""What a shot-boundary detector is: it gets frames one at a time and reports cut times.

Shared by the PySceneDetect adapter (shots.py) and TransNetV2 (transnet.py).
"""

from __future__ import annotations

import numpy as np


class FrameDetector:
    """Gets frames one at a time (small BGR, full video rate or a subset), reports cut times."""

    name = ""

    def push(self, pts: int, t: float, bgr: np.ndarray) -> list[float]:
        raise NotImplementedError

    def finish(self) -> list[float]:
        return []
