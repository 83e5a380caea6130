"""A short synthetic clip for demos and tests: four shots, two drawn characters, dialogue.

`make_demo_clip(path)` draws every frame with Pillow (no shared media, no network) and encodes
them with PyAV as H.264, then writes an SRT sidecar with the same stem. The shots: an establishing
shot of a house under a dusk sky (the camera drifts), a close-up of Anna talking, a two-shot of
Anna and Ben, and a night close-up of Ben shouting. The faces are drawn so that the frontal-face
Haar cascade finds them (shadowed eye sockets, bright nose bridge, darker mouth).
"""

from __future__ import annotations

import math
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

W, H, FPS = 640, 360, 24
SHOTS = (3.0, 3.5, 3.5, 3.0)  # seconds: house, Anna, two-shot, Ben
SRT = """1
00:00:00,600 --> 00:00:02,600
[Wind howls around the old house]

2
00:00:03,300 --> 00:00:06,200
ANNA: Did you hear that? Something is up on the roof.

3
00:00:06,800 --> 00:00:09,600
BEN: It's only the wind, Anna. Go back to sleep.

4
00:00:10,300 --> 00:00:12,800
BEN: THE ROOF IS MOVING!
"""

_STARS = [(int(x), int(y)) for x, y in np.random.default_rng(7).integers(0, [W, H // 2], size=(40, 2))]
ANNA = {"skin": (206, 150, 118), "hair": (120, 50, 30), "shirt": (200, 70, 60)}
BEN = {"skin": (170, 118, 88), "hair": (40, 32, 28), "shirt": (60, 110, 170)}


def _shade(c: tuple[int, int, int], k: float) -> tuple[int, int, int]:
    return tuple(max(0, min(255, int(v * k))) for v in c)  # type: ignore[return-value]


def _person(d: ImageDraw.ImageDraw, cx: float, cy: float, s: float, who: dict, mouth: float = 0.0, shout: bool = False) -> None:
    """A head of size s centred at (cx, cy) with shoulders below."""
    skin, hair = who["skin"], who["hair"]
    d.ellipse([cx - 1.1 * s, cy + 0.55 * s, cx + 1.1 * s, cy + 2.6 * s], fill=who["shirt"])
    d.rectangle([cx - 0.18 * s, cy + 0.4 * s, cx + 0.18 * s, cy + 0.75 * s], fill=_shade(skin, 0.85))
    d.ellipse([cx - 0.5 * s, cy - 0.62 * s, cx + 0.5 * s, cy + 0.68 * s], fill=skin)
    d.chord([cx - 0.54 * s, cy - 0.74 * s, cx + 0.54 * s, cy + 0.18 * s], 180, 360, fill=hair)
    brow = -0.3 if shout else -0.24
    for sx in (-1, 1):
        d.line([cx + sx * 0.34 * s, cy + (brow + (0.06 if shout else 0)) * s, cx + sx * 0.1 * s, cy + brow * s], fill=_shade(hair, 0.7), width=max(2, int(0.06 * s)))
        ex = cx + sx * 0.21 * s
        d.ellipse([ex - 0.15 * s, cy - 0.16 * s, ex + 0.15 * s, cy + 0.04 * s], fill=_shade(skin, 0.72))
        d.ellipse([ex - 0.1 * s, cy - 0.1 * s, ex + 0.1 * s, cy], fill=(245, 245, 240))
        d.ellipse([ex - 0.05 * s, cy - 0.1 * s, ex + 0.05 * s, cy], fill=(30, 25, 20))
    d.polygon([(cx, cy - 0.08 * s), (cx - 0.07 * s, cy + 0.2 * s), (cx + 0.07 * s, cy + 0.2 * s)], fill=_shade(skin, 1.08))
    for sx in (-1, 1):
        d.ellipse([cx + sx * 0.05 * s - 0.03 * s, cy + 0.17 * s, cx + sx * 0.05 * s + 0.03 * s, cy + 0.22 * s], fill=_shade(skin, 0.6))
    mh = 0.03 * s + mouth * 0.12 * s
    d.ellipse([cx - 0.17 * s, cy + 0.34 * s - mh / 2, cx + 0.17 * s, cy + 0.34 * s + mh / 2], fill=(110, 35, 35))


@lru_cache(maxsize=8)
def _gradient(size: tuple[int, int], top: tuple[int, int, int], bottom: tuple[int, int, int]) -> Image.Image:
    arr = np.linspace(0, 1, size[1])[:, None, None]
    grad = (np.array(top)[None, None, :] * (1 - arr) + np.array(bottom)[None, None, :] * arr).astype(np.uint8)
    return Image.fromarray(np.repeat(grad, size[0], axis=1))


def _sky(img: Image.Image, top: tuple[int, int, int], bottom: tuple[int, int, int]) -> None:
    img.paste(_gradient(img.size, top, bottom))


def _house_shot(t: float) -> Image.Image:
    pan = 40 * t  # the camera drifts right
    img = Image.new("RGB", (W + 200, H))
    _sky(img, (40, 50, 110), (240, 150, 90))
    d = ImageDraw.Draw(img)
    d.ellipse([520, 150, 600, 230], fill=(255, 210, 120))
    for k, (hx, hh, col) in enumerate([(0, 90, (60, 80, 60)), (300, 120, (50, 70, 55)), (600, 80, (45, 62, 50))]):
        d.ellipse([hx - 260, H - hh - 40, hx + 360, H + 300], fill=col)
        del k
    # the house
    d.rectangle([300, 170, 470, 300], fill=(150, 95, 70))
    d.polygon([(285, 172), (385, 95), (485, 172)], fill=(90, 40, 40))
    d.rectangle([370, 240, 405, 300], fill=(60, 35, 25))
    for wx in (320, 425):
        d.rectangle([wx, 200, wx + 30, 228], fill=(255, 225, 140))
    # a tree that sways
    sway = 6 * math.sin(2 * math.pi * t / 1.5)
    d.rectangle([150, 200, 165, 310], fill=(70, 45, 30))
    d.ellipse([110 + sway, 120, 205 + sway, 225], fill=(40, 90, 50))
    return img.crop((int(pan), 0, int(pan) + W, H))


def _anna_shot(t: float) -> Image.Image:
    img = Image.new("RGB", (W, H))
    _sky(img, (120, 140, 170), (200, 190, 170))
    d = ImageDraw.Draw(img)
    d.rectangle([0, 0, 120, H], fill=(150, 120, 90))  # a door frame
    d.rectangle([500, 60, 600, 170], fill=(70, 90, 130))  # a dark window
    mouth = 0.2 + 0.2 * math.sin(2 * math.pi * t * 3)  # small moves: a wide-open mouth hides the face from the cascade
    zoom = 1.0 + 0.03 * t
    _person(d, 330, 160, 190 * zoom, ANNA, mouth=mouth)
    return img


def _two_shot(t: float) -> Image.Image:
    img = Image.new("RGB", (W, H), (90, 80, 75))
    d = ImageDraw.Draw(img)
    d.rectangle([0, 250, W, H], fill=(110, 80, 60))  # floor
    d.rectangle([270, 40, 370, 150], fill=(40, 50, 90))  # window
    d.line([320, 40, 320, 150], fill=(20, 20, 30), width=4)
    mouth = 0.25 + 0.25 * math.sin(2 * math.pi * t * 2.5)
    _person(d, 160, 140, 150, ANNA, mouth=0.1)
    _person(d, 485, 145, 150, BEN, mouth=mouth)
    return img


def _ben_shot(t: float) -> Image.Image:
    img = Image.new("RGB", (W, H))
    _sky(img, (10, 14, 40), (40, 40, 80))
    d = ImageDraw.Draw(img)
    for x, y in _STARS:
        d.point((x, y), fill=(230, 230, 255))
    d.ellipse([60, 40, 120, 100], fill=(235, 235, 210))
    shake = 4 * math.sin(2 * math.pi * t * 6)
    _person(d, 400 + shake, 165, 200, BEN, mouth=1.0, shout=True)
    return img


def frame_at(t: float) -> Image.Image:
    """The clip's frame at time t (seconds)."""
    start = 0.0
    for dur, fn in zip(SHOTS, (_house_shot, _anna_shot, _two_shot, _ben_shot)):
        if t < start + dur or fn is _ben_shot:
            return fn(t - start).filter(ImageFilter.BoxBlur(1))
        start += dur
    raise AssertionError("unreachable")


def make_demo_clip(path: str | Path) -> Path:
    """Write the demo clip (13 s, 640x360, 24 fps, H.264) and `<stem>.srt` beside it; return the
    video path. Deterministic: the same bytes every time on the same PyAV/x264 build."""
    import av

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    total = sum(SHOTS)
    n = int(round(total * FPS))
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=FPS)
        stream.width, stream.height, stream.pix_fmt = W, H, "yuv420p"
        stream.options = {"crf": "23", "preset": "veryfast", "threads": "1"}
        for i in range(n):
            frame = av.VideoFrame.from_image(frame_at(i / FPS))
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    path.with_suffix(".srt").write_text(SRT, encoding="utf-8")
    return path
