"""Classic image operations: resizing and contact sheets."""

from __future__ import annotations

from collections.abc import Sequence

from PIL import Image, ImageDraw, ImageOps

from studio.comic.fonts import load_font

RESAMPLE = {
    "lanczos": Image.Resampling.LANCZOS,
    "bicubic": Image.Resampling.BICUBIC,
    "bilinear": Image.Resampling.BILINEAR,
    "nearest": Image.Resampling.NEAREST,
}


def resize(img: Image.Image, width: int | None, height: int | None, mode: str = "fit", resample: str = "lanczos") -> Image.Image:
    """Resize: `fit` inside the box keeping aspect, `fill` the box by centre crop, or `stretch`.
    With only one of width/height given, the other follows the aspect ratio."""
    w0, h0 = img.size
    rs = RESAMPLE[resample]
    if width is None and height is None:
        return img.copy()
    if width is None or height is None:
        if width is None:
            assert height is not None
            width = max(1, round(w0 * height / h0))
        else:
            height = max(1, round(h0 * width / w0))
        return img.resize((width, height), rs)
    if mode == "stretch":
        return img.resize((width, height), rs)
    if mode == "fill":
        return ImageOps.fit(img, (width, height), method=rs)
    scale = min(width / w0, height / h0)
    return img.resize((max(1, round(w0 * scale)), max(1, round(h0 * scale))), rs)


def contact_sheet(
    images: Sequence[Image.Image],
    labels: Sequence[str] | None = None,
    *,
    columns: int = 4,
    cell: int = 256,
    padding: int = 12,
    background: str = "#1e1e24",
    label_color: str = "#f0f0f0",
    title: str | None = None,
) -> Image.Image:
    """A labelled grid: every image fitted into a `cell` square, its label underneath."""
    n = len(images)
    columns = max(1, min(columns, n))
    rows = (n + columns - 1) // columns
    font = load_font(max(10, cell // 14))  # the built-in scalable font
    label_size, title_size = max(10, cell // 14), max(14, cell // 9)
    label_h = int(label_size * 1.6) if labels else 0
    title_font = load_font(title_size)
    title_h = int(title_size * 1.8) if title else 0
    width = columns * cell + (columns + 1) * padding
    height = title_h + rows * (cell + label_h) + (rows + 1) * padding
    sheet = Image.new("RGB", (width, height), background)
    draw = ImageDraw.Draw(sheet)
    if title:
        draw.text((padding, padding // 2 + title_h // 2), title, fill=label_color, font=title_font, anchor="lm")
    checker = _checkerboard(cell)
    for i, img in enumerate(images):
        r, c = divmod(i, columns)
        x = padding + c * (cell + padding)
        y = title_h + padding + r * (cell + label_h + padding)
        thumb = img.copy()
        thumb.thumbnail((cell, cell), Image.Resampling.LANCZOS if max(img.size) > cell else Image.Resampling.NEAREST)
        if max(thumb.size) < cell // 2:  # small sprites: scale up crisply
            k = max(1, cell // max(thumb.size))
            thumb = thumb.resize((thumb.width * k, thumb.height * k), Image.Resampling.NEAREST)
        ox, oy = x + (cell - thumb.width) // 2, y + (cell - thumb.height) // 2
        if thumb.mode in ("RGBA", "LA", "P"):
            rgba = thumb.convert("RGBA")
            sheet.paste(checker.crop((0, 0, rgba.width, rgba.height)), (ox, oy))
            sheet.paste(rgba, (ox, oy), rgba)
        else:
            sheet.paste(thumb.convert("RGB"), (ox, oy))
        if labels and i < len(labels) and labels[i]:
            text = _ellipsize(draw, str(labels[i]), font, cell)
            draw.text((x + cell // 2, y + cell + label_h // 2), text, fill=label_color, font=font, anchor="mm")
    return sheet


def _ellipsize(draw: ImageDraw.ImageDraw, text: str, font, max_width: int) -> str:
    if draw.textlength(text, font=font) <= max_width:
        return text
    while text and draw.textlength(text + "…", font=font) > max_width:
        text = text[:-1]
    return text + "…"


def _checkerboard(size: int, square: int = 8) -> Image.Image:
    img = Image.new("RGB", (size, size), "#cccccc")
    draw = ImageDraw.Draw(img)
    for yy in range(0, size, square):
        for xx in range(0, size, square):
            if (xx // square + yy // square) % 2:
                draw.rectangle([xx, yy, xx + square - 1, yy + square - 1], fill="#999999")
    return img
