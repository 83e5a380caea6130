"""Colour spaces: sRGB to CIE L*a*b* (D65), the one conversion studio's image code shares."""

from __future__ import annotations

import numpy as np

# sRGB primaries to XYZ (D65) and the D65 white point
_RGB_TO_XYZ = np.array([[0.4124564, 0.3575761, 0.1804375],
                        [0.2126729, 0.7151522, 0.0721750],
                        [0.0193339, 0.1191920, 0.9503041]])
_WHITE = np.array([0.95047, 1.0, 1.08883])


def srgb_to_lab(rgb: np.ndarray, *, scale: float = 255.0, dtype: type = np.float64) -> np.ndarray:
    """sRGB values in 0..`scale` (shape (..., 3)) to CIE L*a*b* (D65), computed in `dtype`."""
    c = np.asarray(rgb, dtype=dtype) / dtype(scale)
    lin = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    xyz = lin @ _RGB_TO_XYZ.T.astype(dtype) / _WHITE.astype(dtype)
    f = np.where(xyz > 216 / 24389, np.cbrt(xyz), (24389 / 27 * xyz + 16) / 116)
    return np.stack([116 * f[..., 1] - 16, 500 * (f[..., 0] - f[..., 1]), 200 * (f[..., 1] - f[..., 2])], axis=-1)
