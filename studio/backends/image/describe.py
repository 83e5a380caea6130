"""An honest image describer that needs no model weights.

It says only what it measured: how many frontal faces a Haar cascade found, the dominant colours
by name, whether the picture is black-and-white, and how light or dark it is. It never guesses
objects, places or actions; an indoor/outdoor guess was left out because it cannot be made
reliable from colour statistics.

Faces: OpenCV's bundled frontal-face Haar cascades (see `studio.backends.image.faces`): upright faces
of about 24 px and more; profiles and small or turned faces are missed, so "no faces" is never
claimed: a caption just does not mention faces.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from studio.backends.image.faces import confirm_faces, detect_faces

__all__ = ["Description", "colour_names", "confirm_faces", "describe_image", "detect_faces"]


# -- colours -------------------------------------------------------------------------------------

def _hsv(image: Any, side: int = 96) -> np.ndarray:
    small = image.convert("RGB").copy()
    small.thumbnail((side, side))
    return np.asarray(small.convert("HSV"), dtype=np.float64) / 255.0


def colour_names(image: Any, side: int = 96) -> np.ndarray:
    """A colour name per pixel of a small copy of the image."""
    hsv = _hsv(image, side)
    h, s, v = hsv[..., 0] * 360.0, hsv[..., 1], hsv[..., 2]
    names = np.full(h.shape, "grey", dtype=object)
    chroma = s * v
    hue_bins = [(15, "red"), (40, "orange"), (68, "yellow"), (165, "green"), (195, "teal"), (255, "blue"), (290, "purple"), (340, "pink"), (361, "red")]
    hue_name = np.full(h.shape, "red", dtype=object)
    lo = 0.0
    for hi, name in hue_bins:
        hue_name[(h >= lo) & (h < hi)] = name
        lo = hi
    coloured = chroma >= 0.12
    names[coloured] = hue_name[coloured]
    warm = np.isin(hue_name, ["red", "orange", "yellow"])
    names[coloured & warm & (v < 0.55)] = "brown"
    names[~coloured & (v >= 0.82)] = "white"
    names[~coloured & (v < 0.82) & (v >= 0.18)] = "grey"
    names[v < 0.18] = "black"
    return names


@dataclass
class Description:
    text: str
    faces: list[list[int]] = field(default_factory=list)
    colours: list[str] = field(default_factory=list)
    monochrome: bool = False
    brightness: float = 0.0
    tone: str = ""
    uniform: bool = False

    def as_meta(self) -> dict[str, Any]:
        return {"faces": self.faces, "colours": self.colours, "monochrome": self.monochrome,
                "brightness": round(self.brightness, 3), "tone": self.tone, "uniform": self.uniform}


_NUMBERS = ["no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"]


def _count(n: int, noun: str) -> str:
    word = _NUMBERS[n] if n < len(_NUMBERS) else str(n)
    return f"{word} {noun}{'' if n == 1 else 's'}"


def _join(words: list[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def describe_image(image: Any, *, faces: list[list[int]] | None = None, detect: bool = True, confirm: bool = True) -> Description:
    """A short, true description of a PIL image. `faces` (boxes found earlier, e.g. by the
    keyframe step) are used instead of detecting, each kept only when the second cascade
    confirms it (`confirm`); otherwise the cascades run when `detect` is true."""
    gray = np.asarray(image.convert("L"), dtype=np.float64) / 255.0
    brightness = float(gray.mean())
    spread = float(gray.std())
    names = colour_names(image)
    total = names.size
    vals, counts = np.unique(names, return_counts=True)
    order = sorted(zip(counts.tolist(), vals.tolist()), key=lambda t: (-t[0], t[1]))
    shares = {name: c / total for c, name in order}
    colourful = sum(c for c, n in order if n not in ("black", "white", "grey")) / total
    monochrome = colourful < 0.03
    if monochrome:
        colours = [n for c, n in order if c / total >= 0.15 and n in ("black", "white", "grey")]
    else:
        colours = [n for c, n in order if c / total >= 0.12][:3]
    if not colours:
        colours = [order[0][1]]
    if brightness < 0.15:
        tone = "very dark"
    elif brightness < 0.33:
        tone = "dark"
    elif brightness > 0.7:
        tone = "very bright"
    elif brightness > 0.55:
        tone = "bright"
    else:
        tone = ""
    uniform = spread < 0.03
    if faces is None:
        faces = detect_faces(image) if (detect and not uniform) else []
    elif confirm and faces:
        faces = confirm_faces(image, faces)
    if uniform:
        main = max(shares, key=lambda k: shares[k])
        text = f"A plain, almost uniform {main} frame."
    else:
        kind = "black-and-white" if monochrome else "colour"
        lead = f"{tone} {kind} picture".strip()
        article = "An" if lead[0] in "aeiou" else "A"
        text = f"{article} {lead}"
        if monochrome:
            text += f", mostly {_join(colours)}" if colours else ""
        else:
            text += f" in {_join(colours)} tones" if len(colours) > 1 else f", mostly {colours[0]}"
        if faces:
            text += f", showing {_count(len(faces), 'face')}"
        text += "."
    return Description(text, [list(map(int, f)) for f in faces], colours, monochrome, brightness, tone, uniform)
