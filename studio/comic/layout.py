"""Page layouts as data: panel rectangles in 0..1 of the live area plus a reading order.

A layout file (`templates/layouts/NAME.yaml`) lists its panels as `[x, y, w, h]` fractions of the
live area (the page inside its margins), already in reading order. Panels touch; the gutter is
cut out of every inner edge in whole pixels, so every gutter on a page has exactly the same width.

`plan_pages` turns N images into pages of pixel rectangles: a named layout (multi-page when there
are more images than it holds), or `auto`, which scores every candidate layout and page
orientation by how much of each image would be cropped away.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import product
from pathlib import Path
from typing import Any

import yaml

from studio.engine.errors import InputError
from studio.engine.reads import paths_allowed
from studio.engine.recipe import check_yaml_shape
from studio.engine.registry import suggest

Rect = tuple[float, float, float, float]  # x, y, w, h in 0..1 of the live area

#: page presets, millimetres (width, height)
PAGE_PRESETS_MM: dict[str, tuple[float, float]] = {
    "a4": (210.0, 297.0),
    "a4-landscape": (297.0, 210.0),
    "a5": (148.0, 210.0),
    "b5": (182.0, 257.0),
    "letter": (215.9, 279.4),
    "letter-landscape": (279.4, 215.9),
    "tabloid": (279.4, 431.8),
    "square": (210.0, 210.0),
}
#: the other orientation `page: auto` may try for full-page layouts
_FLIP = {"a4": "a4-landscape", "a4-landscape": "a4", "letter": "letter-landscape", "letter-landscape": "letter"}
KINDS = ("page", "strip", "vertical")
DIRECTIONS = ("ltr", "rtl")
DEFAULT_MARGIN_MM = 10.0
DEFAULT_GUTTER_MM = 4.0
EPS = 2e-3


@dataclass(frozen=True)
class Layout:
    """A page layout: panels in reading order, the reading direction, and a default page."""

    name: str
    panels: tuple[Rect, ...]
    direction: str = "ltr"
    kind: str = "page"
    page: Any = "a4"
    description: str = ""
    auto: bool = False
    margin_mm: float | None = None
    gutter_mm: float | None = None
    source: str = ""

    @property
    def capacity(self) -> int:
        return len(self.panels)


@dataclass
class PanelBox:
    """One panel on a page: its global index (reading order across pages) and pixel rectangle."""

    index: int
    page: int
    slot: int
    rect: tuple[int, int, int, int]  # x0, y0, x1, y1 (exclusive)

    @property
    def width(self) -> int:
        return self.rect[2] - self.rect[0]

    @property
    def height(self) -> int:
        return self.rect[3] - self.rect[1]

    def to_dict(self) -> dict[str, Any]:
        return {"index": self.index, "page": self.page, "slot": self.slot, "rect": list(self.rect)}


@dataclass
class PagePlan:
    """One page: its size in pixels, the layout used and its panels."""

    index: int
    width: int
    height: int
    layout: str
    direction: str
    kind: str
    live: tuple[int, int, int, int]
    gutter: int
    panels: list[PanelBox] = field(default_factory=list)
    title_rect: tuple[int, int, int, int] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "width": self.width,
            "height": self.height,
            "layout": self.layout,
            "direction": self.direction,
            "kind": self.kind,
            "live": list(self.live),
            "gutter": self.gutter,
            "title_rect": list(self.title_rect) if self.title_rect else None,
            "panels": [p.to_dict() for p in self.panels],
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> PagePlan:
        return cls(
            index=int(d["index"]), width=int(d["width"]), height=int(d["height"]), layout=str(d["layout"]),
            direction=str(d["direction"]), kind=str(d["kind"]), live=tuple(d["live"]),  # type: ignore[arg-type]
            gutter=int(d["gutter"]),
            title_rect=tuple(d["title_rect"]) if d.get("title_rect") else None,  # type: ignore[arg-type]
            panels=[PanelBox(int(p["index"]), int(p["page"]), int(p["slot"]), tuple(p["rect"])) for p in d["panels"]],  # type: ignore[arg-type]
        )


# -- loading ------------------------------------------------------------------------------------

def layout_dirs() -> list[Path]:
    """Where builtin layouts live: the package's data copy, then the repo's `templates/layouts`."""
    pkg = Path(__file__).resolve().parents[1]
    return [d for d in (pkg / "_data" / "templates" / "layouts", pkg.parent / "templates" / "layouts") if d.is_dir()]


def _bad(where: str, msg: str) -> InputError:
    return InputError(f"layout {where}: {msg}")


def parse_layout(data: Any, where: str) -> Layout:
    """Validate a layout mapping (from YAML) and build a Layout."""
    if not isinstance(data, dict):
        raise _bad(where, "must be a mapping with name, direction, kind, page and panels")
    allowed = {"name", "description", "direction", "kind", "page", "auto", "panels", "margin_mm", "gutter_mm"}
    unknown = sorted(set(map(str, data)) - allowed)
    if unknown:
        raise _bad(where, f"unknown key(s) {unknown}; allowed: {sorted(allowed)}")
    name = str(data.get("name") or Path(where).stem)
    direction = str(data.get("direction", "ltr"))
    if direction not in DIRECTIONS:
        raise _bad(where, f"direction {direction!r} must be ltr or rtl")
    kind = str(data.get("kind", "page"))
    if kind not in KINDS:
        raise _bad(where, f"kind {kind!r} must be one of {', '.join(KINDS)}")
    page = data.get("page", "a4")
    page_size_mm(page, where)  # validates
    raw = data.get("panels")
    if not isinstance(raw, list) or not raw:
        raise _bad(where, "needs a non-empty list of panels [x, y, w, h]")
    panels: list[Rect] = []
    for i, r in enumerate(raw):
        if not (isinstance(r, (list, tuple)) and len(r) == 4 and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in r)):
            raise _bad(where, f"panel {i + 1} must be [x, y, w, h] numbers, got {r!r}")
        x, y, w, h = (float(v) for v in r)
        if w < 0.02 or h < 0.02 or x < -EPS or y < -EPS or x + w > 1 + EPS or y + h > 1 + EPS:
            raise _bad(where, f"panel {i + 1} {r!r} must lie inside 0..1 with width and height >= 0.02")
        panels.append((x, y, w, h))
    for i, a in enumerate(panels):
        for j in range(i + 1, len(panels)):
            b = panels[j]
            ox = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])
            oy = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
            if ox > EPS and oy > EPS:
                raise _bad(where, f"panels {i + 1} and {j + 1} overlap")
    for key in ("margin_mm", "gutter_mm"):
        v = data.get(key)
        if v is not None and (not isinstance(v, (int, float)) or v < 0 or v > 100):
            raise _bad(where, f"{key} must be a number of millimetres in 0..100")
    return Layout(
        name=name, panels=tuple(panels), direction=direction, kind=kind, page=page,
        description=str(data.get("description") or ""), auto=bool(data.get("auto", False)),
        margin_mm=data.get("margin_mm"), gutter_mm=data.get("gutter_mm"), source=where,
    )


def load_layout_file(path: Path) -> Layout:
    try:
        text = Path(path).read_text(encoding="utf-8")
        check_yaml_shape(text, str(path), what="layout")
        data = yaml.safe_load(text)
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"layout {path}: cannot be read ({getattr(exc, 'strerror', None) or exc})") from None
    except yaml.YAMLError as exc:
        raise InputError(f"layout {path}: invalid YAML ({exc})") from None
    return parse_layout(data, str(path))


@lru_cache(maxsize=1)
def _builtin() -> dict[str, Layout]:
    found: dict[str, Layout] = {}
    for d in layout_dirs():
        for f in sorted(d.glob("*.yaml")):
            lay = load_layout_file(f)
            found.setdefault(lay.name, lay)
    return found


def list_layouts() -> dict[str, Layout]:
    """Builtin layouts by name."""
    return dict(_builtin())


def get_layout(name_or_path: str) -> Layout:
    """A builtin layout by name or a layout YAML file by path. Unknown names raise InputError."""
    s = str(name_or_path)
    if s.endswith((".yaml", ".yml")) or "/" in s or "\\" in s or s.startswith((".", "~")):
        # by path: a .yaml file, and only where paths are allowed (CLI, Python API; not the web UI)
        if not paths_allowed():
            raise InputError(f"layout {s!r}: give a builtin layout name ({', '.join(sorted(_builtin()))}); paths are not read here")
        if not s.endswith((".yaml", ".yml")):
            raise InputError(f"layout {s!r}: give a builtin layout name or a path to a .yaml layout")
        p = Path(s).expanduser()
        if not p.is_file():
            raise InputError(f"layout file {s!r} does not exist; give a builtin layout name or a .yaml path")
        if p.stat().st_size > 256 * 1024:
            raise InputError(f"layout file {s!r} is larger than 256 KiB")
        return load_layout_file(p)
    layouts = _builtin()
    if s not in layouts:

        raise InputError(f"unknown layout {s!r}{suggest(s, list(layouts))}; builtin layouts: auto, {', '.join(sorted(layouts))} (or a path to a .yaml layout)")
    return layouts[s]


def rows_layout(counts: list[int], direction: str = "ltr", page: Any = "a4") -> Layout:
    """A generated layout: rows of equal height, `counts[i]` equal panels in row i."""
    panels: list[Rect] = []
    rh = 1.0 / len(counts)
    for r, c in enumerate(counts):
        cols = range(c - 1, -1, -1) if direction == "rtl" else range(c)
        for k in cols:
            panels.append((k / c, r * rh, 1.0 / c, rh))
    name = "rows-" + "-".join(map(str, counts))
    return Layout(name=name, panels=tuple(panels), direction=direction, kind="page", page=page, auto=True, source="generated")


# -- geometry -----------------------------------------------------------------------------------

def page_size_mm(page: Any, where: str = "page") -> tuple[float, float] | None:
    """(width, height) in mm for a preset or {width_mm, height_mm}; None for pixel-sized pages."""
    if isinstance(page, str):
        if page not in PAGE_PRESETS_MM:
            raise InputError(f"{where}: unknown page size {page!r}; use one of {', '.join(PAGE_PRESETS_MM)}")
        return PAGE_PRESETS_MM[page]
    if isinstance(page, dict):
        if set(page) == {"width_mm", "height_mm"}:
            w, h = float(page["width_mm"]), float(page["height_mm"])
            if not (20 <= w <= 2000 and 20 <= h <= 5000):
                raise InputError(f"{where}: page {page} out of range (20..2000 x 20..5000 mm)")
            return (w, h)
        if set(page) == {"width_px", "height_px"}:
            w, h = int(page["width_px"]), int(page["height_px"])
            if not (64 <= w <= 20000 and 64 <= h <= 40000):
                raise InputError(f"{where}: page {page} out of range (64..20000 x 64..40000 px)")
            return None
    raise InputError(f"{where}: page must be a preset name or {{width_mm, height_mm}} or {{width_px, height_px}}, got {page!r}")


def mm_to_px(mm: float, dpi: int) -> int:
    return int(round(mm / 25.4 * dpi))


def page_size_px(page: Any, dpi: int) -> tuple[int, int]:
    mm = page_size_mm(page)
    if mm is None:
        return int(page["width_px"]), int(page["height_px"])
    return mm_to_px(mm[0], dpi), mm_to_px(mm[1], dpi)


def panel_rects(
    panels: tuple[Rect, ...] | list[Rect], live: tuple[int, int, int, int], gutter: int
) -> list[tuple[int, int, int, int]]:
    """Pixel rectangles for fractional panels inside `live`, with exactly `gutter` px between
    neighbours: every inner edge is snapped to a whole pixel and the gutter cut around it."""
    lx0, ly0, lx1, ly1 = live
    lw, lh = lx1 - lx0, ly1 - ly0
    g0, g1 = gutter // 2, gutter - gutter // 2
    out = []
    for x, y, w, h in panels:
        ex0, ex1 = lx0 + round(x * lw), lx0 + round((x + w) * lw)
        ey0, ey1 = ly0 + round(y * lh), ly0 + round((y + h) * lh)
        x0 = ex0 + (g1 if x > EPS else 0)
        x1 = ex1 - (g0 if x + w < 1 - EPS else 0)
        y0 = ey0 + (g1 if y > EPS else 0)
        y1 = ey1 - (g0 if y + h < 1 - EPS else 0)
        out.append((x0, y0, max(x0 + 1, x1), max(y0 + 1, y1)))
    return out


def crop_loss(panel_aspects: list[float], image_aspects: list[float]) -> float:
    """Mean squared log(panel aspect / image aspect): 0 when every image fits its panel uncropped;
    squared so that one panel cropped to a sliver costs more than several cropped a little."""
    if not panel_aspects:
        return 0.0
    return sum(math.log(p / max(1e-6, a)) ** 2 for p, a in zip(panel_aspects, image_aspects)) / len(panel_aspects)


@dataclass
class PageSetup:
    """Page geometry params shared by every page of a comic."""

    dpi: int = 150
    page: str = "auto"  # "auto" (the layout's own) or a preset name
    margin_mm: float | None = None
    gutter_mm: float | None = None
    width_px: int | None = None
    height_px: int | None = None


def _page_spec(layout: Layout, setup: PageSetup, override: Any = None) -> Any:
    if setup.width_px and setup.height_px:
        return {"width_px": setup.width_px, "height_px": setup.height_px}
    if override is not None:
        return override
    return layout.page if setup.page == "auto" else setup.page


def _geometry(layout: Layout, setup: PageSetup, page_spec: Any, title: bool) -> tuple[int, int, tuple[int, int, int, int], int, tuple[int, int, int, int] | None]:
    w, h = page_size_px(page_spec, setup.dpi)
    if setup.width_px and not setup.height_px:
        h = round(h * setup.width_px / w)
        w = setup.width_px
    margin = mm_to_px(setup.margin_mm if setup.margin_mm is not None else (layout.margin_mm if layout.margin_mm is not None else DEFAULT_MARGIN_MM), setup.dpi)
    gutter = mm_to_px(setup.gutter_mm if setup.gutter_mm is not None else (layout.gutter_mm if layout.gutter_mm is not None else DEFAULT_GUTTER_MM), setup.dpi)
    margin = min(margin, w // 4, h // 4)
    live = (margin, margin, w - margin, h - margin)
    title_rect = None
    if title:
        band = max(24, round(0.075 * min(h, 1.45 * w)))
        if layout.kind == "page":
            title_rect = (live[0], live[1], live[2], live[1] + band)
            live = (live[0], live[1] + band + gutter, live[2], live[3])
        else:  # strips grow instead of squeezing their panels
            title_rect = (live[0], live[1], live[2], live[1] + band)
            h += band + gutter
            live = (live[0], live[1] + band + gutter, live[2], h - margin)
    return w, h, live, gutter, title_rect


def _short_strip(index: int, lay: Layout, setup: PageSetup, start: int, r: int, title: bool) -> PagePlan:
    """A strip holding only its first r panels: the panels keep their size and place relative to
    each other, and the page shrinks around them."""
    full = _make_page(index, lay, setup, _page_spec(lay, setup), start, title)
    kept = full.panels[:r]
    bx0, by0 = min(b.rect[0] for b in kept), min(b.rect[1] for b in kept)
    bx1, by1 = max(b.rect[2] for b in kept), max(b.rect[3] for b in kept)
    margin = full.live[0]
    dx, dy = margin - bx0, full.live[1] - by0
    width, height = bx1 - bx0 + 2 * margin, by1 - by0 + full.live[1] + (full.height - full.live[3])
    panels = [PanelBox(b.index, b.page, b.slot, (b.rect[0] + dx, b.rect[1] + dy, b.rect[2] + dx, b.rect[3] + dy)) for b in kept]
    title_rect = (margin, full.title_rect[1], width - margin, full.title_rect[3]) if full.title_rect else None
    return PagePlan(index=index, width=width, height=height, layout=lay.name, direction=lay.direction, kind=lay.kind,
                    live=(margin, full.live[1], width - margin, height - (full.height - full.live[3])), gutter=full.gutter,
                    panels=panels, title_rect=title_rect)


def _row_compositions(k: int, max_rows: int = 4, max_cols: int = 4) -> list[list[int]]:
    out = []
    for rows in range(1, max_rows + 1):
        for counts in product(range(1, max_cols + 1), repeat=rows):
            if sum(counts) == k:
                out.append(list(counts))
    return out


def candidates(k: int, direction: str = "ltr") -> list[Layout]:
    """Layouts that `auto` may use for a page of k panels: builtin layouts marked `auto: true`
    with k panels and matching direction, and generated row layouts."""
    found = [lay for lay in _builtin().values() if lay.auto and lay.capacity == k and lay.direction == direction and lay.kind == "page"]
    found += [rows_layout(c, direction) for c in _row_compositions(k)]
    return found


def _layout_loss(layout: Layout, setup: PageSetup, page_spec: Any, aspects: list[float], title: bool) -> float:
    w, h, live, gutter, _ = _geometry(layout, setup, page_spec, title)
    rects = panel_rects(layout.panels, live, gutter)
    loss = crop_loss([(r[2] - r[0]) / (r[3] - r[1]) for r in rects], aspects)
    # designed layouts read better than generated rows: a small bonus
    return loss - (0.02 if layout.source != "generated" else 0.0)


def _chunks(n: int, per_page: int) -> list[int]:
    pages = math.ceil(n / per_page)
    base, extra = divmod(n, pages)
    return [base + (1 if i < extra else 0) for i in range(pages)]


def plan_pages(
    aspects: list[float],
    *,
    layout: str = "auto",
    setup: PageSetup | None = None,
    title: bool = False,
    max_per_page: int = 9,
) -> tuple[list[PagePlan], list[str]]:
    """Pages for len(aspects) images (aspect = width/height, in reading order).

    Returns the pages and notes for the user (e.g. a companion layout used for a last page)."""
    setup = setup or PageSetup()
    n = len(aspects)
    if n == 0:
        raise InputError("no images to lay out")
    notes: list[str] = []
    pages: list[PagePlan] = []

    if layout == "auto":
        per = max_per_page if n <= max_per_page else min(6, max_per_page)
        chunks = _chunks(n, per)
        if setup.page == "auto" and not (setup.width_px and setup.height_px):
            page_opts: list[Any] = ["a4", "a4-landscape"]
        else:
            page_opts = [None]
        best: tuple[float, Any, list[Layout]] | None = None
        for opt in page_opts:
            total, chosen, start = 0.0, [], 0
            for k in chunks:
                asp = aspects[start:start + k]
                scored = []
                for cand in candidates(k):
                    spec = opt if opt is not None else _page_spec(cand, setup)
                    scored.append((_layout_loss(cand, setup, spec, asp, title and start == 0), cand.name, cand))
                scored.sort(key=lambda t: (t[0], t[1]))
                total += scored[0][0] * k
                chosen.append(scored[0][2])
                start += k
            if best is None or total < best[0] - 1e-9:
                best = (total, opt, chosen)
        assert best is not None
        _, opt, chosen = best
        start = 0
        for i, lay in enumerate(chosen):
            spec = opt if opt is not None else _page_spec(lay, setup)
            pages.append(_make_page(i, lay, setup, spec, start, title and i == 0))
            start += lay.capacity
        return pages, notes

    lay = get_layout(layout)
    cap = lay.capacity
    start, i = 0, 0
    while start < n:
        r = min(cap, n - start)
        if r == cap:
            pages.append(_make_page(i, lay, setup, _page_spec(lay, setup), start, title and i == 0))
        elif lay.kind in ("strip", "vertical"):
            pages.append(_short_strip(i, lay, setup, start, r, title and i == 0))
            notes.append(f"layout {lay.name} holds {cap} panels; its last strip has {r}")
        else:
            spec = _page_spec(lay, setup)
            asp = aspects[start:start + r]
            scored = sorted(((_layout_loss(c, setup, spec, asp, title and i == 0), c.name, c) for c in candidates(r, lay.direction)), key=lambda t: (t[0], t[1]))
            comp = scored[0][2]
            pages.append(_make_page(i, comp, setup, spec, start, title and i == 0))
            notes.append(f"layout {lay.name} holds {cap} panels; page {i + 1} has {r}, laid out as {comp.name}")
        start += r
        i += 1
    return pages, notes


def _make_page(index: int, lay: Layout, setup: PageSetup, spec: Any, start: int, title: bool) -> PagePlan:
    w, h, live, gutter, title_rect = _geometry(lay, setup, spec, title)
    rects = panel_rects(lay.panels, live, gutter)
    panels = [PanelBox(start + k, index, k, r) for k, r in enumerate(rects)]
    return PagePlan(index=index, width=w, height=h, layout=lay.name, direction=lay.direction, kind=lay.kind,
                    live=live, gutter=gutter, panels=panels, title_rect=title_rect)


def reading_order_ok(rects: list[tuple[int, int, int, int]], direction: str = "ltr") -> bool:
    """True when panels listed in this order read like a page: a panel never comes after one
    that lies wholly below it, and side by side panels go left to right (right to left for rtl)."""
    for i in range(len(rects)):
        for j in range(i + 1, len(rects)):
            a, b = rects[i], rects[j]  # a is read before b
            if b[3] <= a[1]:  # b wholly above a
                return False
            v_overlap = min(a[3], b[3]) - max(a[1], b[1])
            if v_overlap > 0 and a[1] == b[1]:
                # same row start: horizontal order decides
                if direction == "ltr" and b[2] <= a[0]:
                    return False
                if direction == "rtl" and b[0] >= a[2]:
                    return False
    return True
