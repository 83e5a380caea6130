"""Page rendering: panels into their rectangles, borders, an optional title banner and a credits
line naming the models and licences that made the pictures."""

from __future__ import annotations

from collections.abc import Sequence

from PIL import Image, ImageColor, ImageDraw

from studio.comic.fonts import load_font
from studio.comic.layout import PagePlan
from studio.engine.errors import InputError
from studio.models import registry


def parse_colour(value: str, what: str = "colour") -> tuple[int, int, int]:
    try:
        rgb = ImageColor.getrgb(value)
    except (ValueError, AttributeError):
        raise InputError(f"{what} {value!r} is not a colour; use a name like 'white' or a hex code like '#f4f1ea'") from None
    return rgb[:3]


def _fit_font(text: str, max_w: float, max_h: float, font_path: str | None, start: int):
    size = max(6, int(start))
    while size > 6:
        font = load_font(size, font_path)
        bb = font.getbbox(text)
        if bb[2] - bb[0] <= max_w and bb[3] - bb[1] <= max_h:
            return font
        size = int(size * 0.92)
    return load_font(6, font_path)


def render_page(
    plan: PagePlan,
    panels: Sequence[Image.Image],
    *,
    background: str = "white",
    border_px: int = 3,
    border_colour: str = "black",
    title: str | None = None,
    credits: str | None = None,
    font_path: str | None = None,
) -> Image.Image:
    """One page: each panel image pasted into its rectangle (resized if it differs), framed."""
    if len(panels) != len(plan.panels):
        raise ValueError(f"page {plan.index + 1} has {len(plan.panels)} panels, got {len(panels)} images")
    bg = parse_colour(background, "background")
    ink = parse_colour(border_colour, "border colour")
    page = Image.new("RGB", (plan.width, plan.height), bg)
    draw = ImageDraw.Draw(page)
    for box, img in zip(plan.panels, panels):
        x0, y0, x1, y1 = box.rect
        if img.size != (x1 - x0, y1 - y0):
            img = img.resize((x1 - x0, y1 - y0), Image.Resampling.LANCZOS)
        page.paste(img.convert("RGB"), (x0, y0))
        if border_px > 0:
            # the frame is drawn inside the panel so it never eats into the gutter
            draw.rectangle((x0, y0, x1 - 1, y1 - 1), outline=ink, width=border_px)
    if title and plan.title_rect:
        x0, y0, x1, y1 = plan.title_rect
        draw.rectangle((x0, y0, x1 - 1, y1 - 1), fill=ink)
        font = _fit_font(title, (x1 - x0) * 0.92, (y1 - y0) * 0.62, font_path, int((y1 - y0) * 0.6))
        draw.text(((x0 + x1) / 2, (y0 + y1) / 2), title, font=font, fill=bg, anchor="mm")
    if credits:
        margin_bottom = plan.height - plan.live[3]
        if margin_bottom >= 10:
            font = _fit_font(credits, plan.live[2] - plan.live[0], margin_bottom * 0.5, font_path, int(margin_bottom * 0.42))
            draw.text((plan.live[2], plan.live[3] + margin_bottom / 2), credits, font=font, fill=_muted(bg, ink), anchor="rm")
    return page


def _muted(bg: tuple[int, int, int], ink: tuple[int, int, int]) -> tuple[int, int, int]:
    return tuple(int(b * 0.45 + i * 0.55) for b, i in zip(bg, ink))  # type: ignore[return-value]


def picture_models(meta: dict) -> list[tuple[str, str | None]]:
    """(model, licence) pairs of the neural models that made a panel's picture, read from the
    meta that image.generate (`backend`/`model`) and image.restyle (`restyle`) leave."""
    found: list[tuple[str, str | None]] = []
    if meta.get("backend") not in (None, "procedural", "stylize") and meta.get("model"):
        found.append((str(meta["model"]), meta.get("licence")))
    restyle = meta.get("restyle")
    if isinstance(restyle, dict) and restyle.get("backend") not in (None, "stylize") and restyle.get("model"):
        found.append((str(restyle["model"]), restyle.get("licence")))
    out = []
    for model, lic in found:
        if not lic:

            spec = registry.find_any(model)
            lic = spec.licence if spec else None
        out.append((model, lic))
    return out


def credits_line(sources: Sequence[dict], extra: str | None = None) -> str | None:
    """"Pictures: <model> (<licence>), ..." naming the neural models that made the panels."""
    seen: list[str] = []
    for meta in sources:
        for model, lic in picture_models(meta):
            item = f"{model} ({lic})" if lic else model
            if item not in seen:
                seen.append(item)
    parts = []
    if seen:
        parts.append("Pictures: " + ", ".join(seen))
    if extra:
        parts.append(extra)
    return " · ".join(parts) or None
