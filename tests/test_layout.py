"""Comic layouts: every builtin layout is valid, gutters are even, reading order follows the
direction, auto picks by count and aspect, and more images than a page holds make more pages."""

from __future__ import annotations

import pytest

from studio.comic.layout import (
    EPS,
    PageSetup,
    get_layout,
    list_layouts,
    mm_to_px,
    panel_rects,
    parse_layout,
    plan_pages,
    reading_order_ok,
)
from studio.engine.errors import InputError

REQUIRED = {"2x2", "2x3", "3x3", "strip-1x3", "strip-1x4", "4koma", "manga-rtl", "webtoon"}
LAYOUTS = sorted(list_layouts())


def _overlap(a, b) -> bool:
    return min(a[2], b[2]) > max(a[0], b[0]) and min(a[3], b[3]) > max(a[1], b[1])


def _gaps(lay, rects):
    """Pixel gaps between panels that share an edge in the layout's fractions."""
    gaps = []
    for i, a in enumerate(lay.panels):
        for j, b in enumerate(lay.panels):
            if i == j:
                continue
            # b directly right of a, overlapping vertically
            if abs((a[0] + a[2]) - b[0]) < EPS and min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]) > EPS:
                gaps.append(rects[j][0] - rects[i][2])
            # b directly below a, overlapping horizontally
            if abs((a[1] + a[3]) - b[1]) < EPS and min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]) > EPS:
                gaps.append(rects[j][1] - rects[i][3])
    return gaps


def test_required_layouts_and_three_asymmetric_pages():
    assert set(LAYOUTS) >= REQUIRED
    asym = [n for n in LAYOUTS if n not in REQUIRED]
    assert len(asym) >= 3
    for name in asym:
        lay = get_layout(name)
        sizes = {(round(p[2], 2), round(p[3], 2)) for p in lay.panels}
        assert len(sizes) >= 2, f"{name} is not asymmetric"
    wide = any(p[2] > 0.9 for n in asym for p in get_layout(n).panels)
    tall = any(p[3] > 0.9 for n in asym for p in get_layout(n).panels)
    assert wide and tall


@pytest.mark.parametrize("name", LAYOUTS)
def test_builtin_layout_geometry(name):
    lay = get_layout(name)
    assert lay.description and lay.direction in ("ltr", "rtl")
    pages, _ = plan_pages([1.5] * lay.capacity, layout=name, setup=PageSetup(dpi=100))
    assert len(pages) == 1
    page = pages[0]
    rects = [b.rect for b in page.panels]
    lx0, ly0, lx1, ly1 = page.live
    for r in rects:
        assert lx0 <= r[0] < r[2] <= lx1 and ly0 <= r[1] < r[3] <= ly1, (name, r, page.live)
    for i in range(len(rects)):
        for j in range(i + 1, len(rects)):
            assert not _overlap(rects[i], rects[j]), (name, i, j)
    gaps = _gaps(lay, rects)
    if len(rects) > 1:
        assert gaps and set(gaps) == {page.gutter}, f"{name}: uneven gutters {sorted(set(gaps))} vs {page.gutter}"
    assert reading_order_ok(rects, lay.direction), f"{name}: panels are not listed in reading order"
    # panels fill the live area except for the gutters
    area = sum((r[2] - r[0]) * (r[3] - r[1]) for r in rects)
    assert area > 0.8 * (lx1 - lx0) * (ly1 - ly0)


def test_manga_reads_right_to_left():
    lay = get_layout("manga-rtl")
    assert lay.direction == "rtl"
    pages, _ = plan_pages([1.0] * 5, layout="manga-rtl")
    r = [b.rect for b in pages[0].panels]
    assert r[1][1] == r[2][1] and r[1][0] > r[2][0], "second panel must be right of the third on the same row"
    assert not reading_order_ok(r, "ltr")


def test_even_gutters_any_size():
    for gutter in (0, 1, 7, 12):
        rects = panel_rects(get_layout("3x3").panels, (13, 17, 1013, 1311), gutter)
        assert set(_gaps(get_layout("3x3"), rects)) == {gutter}


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 13, 20])
def test_auto_layout_counts_and_pages(n):
    pages, _ = plan_pages([16 / 9] * n, layout="auto")
    assert sum(len(p.panels) for p in pages) == n
    assert [b.index for p in pages for b in p.panels] == list(range(n))
    assert len({(p.width, p.height) for p in pages}) == 1, "all pages of a comic share one size"
    for p in pages:
        assert 1 <= len(p.panels) <= 9
        assert reading_order_ok([b.rect for b in p.panels], "ltr")
    if n > 9:
        assert len(pages) >= 2


def test_auto_follows_image_aspect():
    def mean_loss(aspect):
        pages, _ = plan_pages([aspect] * 4, layout="auto")
        import math

        return sum(abs(math.log(b.width / b.height / aspect)) for p in pages for b in p.panels) / 4

    # wide frames get wide panels, tall frames tall panels: both crop little
    assert mean_loss(16 / 9) < 0.35
    assert mean_loss(9 / 16) < 0.35
    wide, _ = plan_pages([16 / 9] * 4, layout="auto")
    tall, _ = plan_pages([9 / 16] * 4, layout="auto")
    ws = [b.width / b.height for b in wide[0].panels]
    ts = [b.width / b.height for b in tall[0].panels]
    assert min(ws) > max(ts)


def test_named_layout_multi_page():
    pages, notes = plan_pages([1.4] * 6, layout="2x2")
    assert [len(p.panels) for p in pages] == [4, 2]
    assert (pages[0].width, pages[0].height) == (pages[1].width, pages[1].height)
    assert notes and "2x2" in notes[0]
    strips, _ = plan_pages([1.0] * 6, layout="strip-1x4")
    assert [len(p.panels) for p in strips] == [4, 2]
    assert strips[1].height == strips[0].height and strips[1].width < strips[0].width
    koma, _ = plan_pages([1.3] * 5, layout="4koma")
    assert koma[1].width == koma[0].width and koma[1].height < koma[0].height
    # the short strip keeps the panel size
    a, b = koma[0].panels[0], koma[1].panels[0]
    assert abs(a.width - b.width) <= 1 and abs(a.height - b.height) <= 1


def test_title_band_and_page_params():
    setup = PageSetup(dpi=120, page="letter", margin_mm=15, gutter_mm=6)
    pages, _ = plan_pages([1.0] * 4, layout="2x2", setup=setup, title=True)
    p = pages[0]
    assert (p.width, p.height) == (mm_to_px(215.9, 120), mm_to_px(279.4, 120))
    assert p.gutter == mm_to_px(6, 120) and p.live[0] == mm_to_px(15, 120)
    assert p.title_rect is not None
    assert all(b.rect[1] >= p.title_rect[3] + p.gutter for b in p.panels)
    strip, _ = plan_pages([1.0] * 3, layout="strip-1x3", title=True)
    plain, _ = plan_pages([1.0] * 3, layout="strip-1x3")
    assert strip[0].height > plain[0].height and strip[0].panels[0].height == plain[0].panels[0].height
    webtoon, _ = plan_pages([1.0] * 4, layout="webtoon")
    assert webtoon[0].width == 800


def test_unknown_and_invalid_layouts(tmp_path):
    with pytest.raises(InputError, match="unknown layout 'grid2x2'.*2x2"):
        get_layout("grid2x2")
    with pytest.raises(InputError, match="does not exist"):
        get_layout(str(tmp_path / "none.yaml"))
    with pytest.raises(InputError, match="overlap"):
        parse_layout({"name": "x", "panels": [[0, 0, 0.6, 1], [0.5, 0, 0.5, 1]]}, "x.yaml")
    with pytest.raises(InputError, match="inside 0..1"):
        parse_layout({"name": "x", "panels": [[0, 0, 1.2, 1]]}, "x.yaml")
    with pytest.raises(InputError, match="direction"):
        parse_layout({"name": "x", "direction": "up", "panels": [[0, 0, 1, 1]]}, "x.yaml")
    with pytest.raises(InputError, match="unknown page size"):
        parse_layout({"name": "x", "page": "a3000", "panels": [[0, 0, 1, 1]]}, "x.yaml")
    with pytest.raises(InputError, match="no images"):
        plan_pages([], layout="auto")


def test_layout_from_a_user_file(tmp_path):
    f = tmp_path / "two-tall.yaml"
    f.write_text("name: two-tall\ndescription: two tall panels\npage: {width_mm: 200, height_mm: 150}\n"
                 "panels:\n  - [0, 0, 0.5, 1]\n  - [0.5, 0, 0.5, 1]\n", encoding="utf-8")
    pages, _ = plan_pages([0.7, 0.7], layout=str(f))
    assert pages[0].layout == "two-tall" and len(pages[0].panels) == 2
