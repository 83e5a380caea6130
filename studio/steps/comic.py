"""Comic steps: fit images to a layout's panels, write the script, letter, compose pages, export,
and animate.

The split keeps the expensive picture work apart from the words: `comic.panels` (crop and scale,
cached) -> `comic.script` (the words as editable data) -> `comic.letter` (bubbles) ->
`comic.page` (pages) -> `comic.export` (PDF + CBZ). Editing the script re-runs only the last
three, which take a fraction of a second per page.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import Field

from studio.comic.layout import PagePlan, PageSetup, get_layout, list_layouts, mm_to_px, plan_pages
from studio.engine import (
    DataArtifact,
    FileArtifact,
    ImageArtifact,
    InputError,
    Port,
    Step,
    StepParams,
    TextArtifact,
    VideoArtifact,
    register_step,
)

PagePreset = Literal["auto", "a4", "a4-landscape", "a5", "b5", "letter", "letter-landscape", "tabloid", "square"]

#: meta keys a panel keeps from its source image (the rest is dropped to keep manifests small)
KEEP_META = ("time", "scene", "score", "subtitles", "speech", "caption", "caption_source", "source", "prompt", "style",
             "backend", "model", "licence", "restyle", "description", "characters", "drawn")


def _layout_names() -> str:

    return ", ".join(["auto", *sorted(list_layouts())])


class PageGeometry(StepParams):
    """The page geometry shared by comic.panels and comic.plan."""

    layout: str = Field("auto", min_length=1, max_length=500, description="a layout name (auto, 2x2, 2x3, 3x3, strip-1x3, strip-1x4, 4koma, manga-rtl, webtoon, wide-top, tall-left, feature-5) or a path to a layout .yaml; auto picks by panel count and image aspect")
    page: PagePreset = Field("auto", description="page size; auto: the layout's own (a4 or a4-landscape, whichever crops less, for auto layouts)")
    width_px: int | None = Field(None, ge=64, le=20000, description="page width in pixels (overrides page; height follows the page's aspect unless height_px is given)")
    height_px: int | None = Field(None, ge=64, le=40000, description="page height in pixels (with width_px)")
    dpi: int = Field(150, ge=50, le=600, description="pixels per inch of the pages (150: screen and home printing, 300: print)")
    margin_mm: float | None = Field(None, ge=0, le=60, description="page margin in mm (None: the layout's, else 10)")
    gutter_mm: float | None = Field(None, ge=0, le=60, description="space between panels in mm (None: the layout's, else 4)")
    title: str | None = Field(None, max_length=120, description="a title banner across the top of the first page (None: no banner)")

    def check_layout(self) -> None:
        """Fail on an unknown layout name or file before any work."""
        if self.layout != "auto":

            get_layout(self.layout)

    def setup(self) -> Any:

        return PageSetup(dpi=self.dpi, page=self.page, margin_mm=self.margin_mm, gutter_mm=self.gutter_mm,
                         width_px=self.width_px, height_px=self.height_px)


class PanelsParams(PageGeometry):
    panels: int | None = Field(None, ge=1, le=200, description="use at most this many images (None: all); fewer images than this is fine and noted")
    faces: Literal["auto", "detect", "meta"] = Field("auto", description="face boxes: auto uses the images' `faces` meta (keyframes) and runs the Haar cascade (about 1-3 s per image) on images that have none; detect: always run it; meta: only the meta")
    skip_blank: bool = Field(True, description="leave out black, white or flat images (mid-fade frames, blank cards), with a note")


#: image meta with one entry per face box: who each face is (generated images) and whose mouth
#: moves (keyframes); a panel keeps the entries of the faces its crop keeps, in the same order
PER_FACE_META = ("face_names", "talking")


@register_step
class ComicPanels(Step):
    name = "comic.panels"
    version = "4"
    description = "Fit images to a comic layout's panels: crop to each panel's shape keeping faces and salient regions, then scale."
    inputs = {
        "images": Port("images", "pictures in reading order (keyframes, generated or restyled images)"),
        "plan": Port("data", "pages planned by comic.plan before the pictures were made (used instead of choosing a layout)", required=False),
    }
    outputs = {
        "images": Port("images", "one fitted picture per panel, in reading order (meta: page, rect, faces in panel pixels)"),
        "layout": Port("data", "the pages: size, panel rectangles, reading direction, title"),
        "drawn": Port("data", "what each panel's picture shows, from generated images' `drawn` meta: "
                              "[{panel, page, setting, things: [{word, drawn_as, placeholder}]}] (drawn.json)"),
    }
    Params = PanelsParams

    def run(self, ctx, inputs, params):
        from studio.comic import fitting

        arts = list(inputs["images"])
        if not arts:
            raise InputError("comic.panels: no images to lay out; the step before produced none")
        params.check_layout()
        if params.skip_blank:
            kept = [a for a in arts if not fitting.is_blank(a.image)]
            if len(kept) < len(arts):
                ctx.warn(f"left out {len(arts) - len(kept)} blank image(s) (black, white or flat)")
            if not kept:
                raise InputError("comic.panels: every image is blank (black, white or flat); nothing to put in a comic")
            arts = kept
        if params.panels is not None and len(arts) > params.panels:
            arts = arts[: params.panels]
        elif params.panels is not None and len(arts) < params.panels:
            ctx.warn(f"asked for {params.panels} panels but only {len(arts)} image(s) are available; laying out {len(arts)}")
        setup = params.setup()
        planned = inputs.get("plan")
        pages = _planned_pages(planned.data, len(arts)) if planned is not None else None
        if planned is not None and pages is None:
            ctx.warn(f"the planned pages hold a different number of panels than the {len(arts)} image(s); choosing a layout again")
        dpi, title = params.dpi, params.title
        if pages is not None:
            notes = list(planned.data.get("notes") or [])
            dpi, title = int(planned.data.get("dpi", dpi)), planned.data.get("title") or None
        else:
            aspects = []
            for a in arts:
                x0, y0, x1, y1 = fitting.content_box(a.image)
                aspects.append((x1 - x0) / (y1 - y0))
            pages, notes = plan_pages(aspects, layout=params.layout, setup=setup, title=bool(params.title))
            for note in notes:
                ctx.warn(note)
        boxes = [b for p in pages for b in p.panels]
        def one(job) -> tuple[ImageArtifact, bool]:
            art, box = job
            page = pages[box.page]
            img = art.image
            detect = params.faces == "detect" or (params.faces == "auto" and "faces" not in art.meta)
            # no detector ran upstream (generated or loaded images): look on this picture
            faces = fitting.detect_faces(img) if detect else fitting.parse_faces(art.meta.get("faces"))
            fitted, _, crop = fitting.fit_image(img, box.width, box.height, faces)
            moved = fitting.move_boxes(faces, crop, (box.width, box.height))
            meta = {key: art.meta[key] for key in KEEP_META if key in art.meta}
            meta.update({
                "panel": box.index, "page": box.page, "slot": box.slot, "rect": list(box.rect), "crop": list(crop),
                "faces": [list(f) for _, f in moved], "dpi": dpi, "direction": page.direction,
                "source_name": art.name,
            })
            for key in PER_FACE_META if not detect else ():
                values = art.meta.get(key)
                if isinstance(values, list) and len(values) == len(faces):
                    meta[key] = [values[i] for i, _ in moved]  # follows the faces the crop kept
            return ImageArtifact(fitted, meta=meta, name=f"panel_{box.index + 1:03d}"), detect

        done = ctx.map(one, list(zip(arts, boxes)), label="panel")
        out = [a for a, _ in done]
        detected = sum(1 for _, d in done if d)
        ctx.report(backend="classic", layouts=sorted({p.layout for p in pages}), pages=len(pages), panels=len(out),
                   faces_detected_on=detected, planned=pages is not None and planned is not None)
        drawn = [{"panel": a.meta["panel"] + 1, "page": a.meta["page"] + 1, **a.meta["drawn"]} for a in out if isinstance(a.meta.get("drawn"), dict)]
        return {"images": out, "layout": DataArtifact(_layout_data(pages, dpi, title, notes), name="layout"),
                "drawn": DataArtifact({"panels": drawn}, name="drawn")}


def _font_identity(font: str | None) -> str | None:
    """What a memo key holds for a font: the file's digest (an edited font redraws), else its name."""
    if not font:
        return None
    from studio.engine.artifacts import hash_file

    path = Path(font).expanduser()
    return hash_file(path) if path.is_file() else font


def _layout_data(pages: list[Any], dpi: int, title: str | None, notes: list[str]) -> dict[str, Any]:
    """The pages as data (comic.panels' and comic.plan's `layout` output, comic.page's input)."""
    return {"pages": [p.to_dict() for p in pages], "direction": pages[0].direction, "dpi": dpi, "title": title or None, "notes": notes}


def _planned_pages(data: Any, count: int) -> list[Any] | None:
    """The PagePlans of a comic.plan layout when they hold exactly `count` panels, else None."""

    if not isinstance(data, dict) or not isinstance(data.get("pages"), list) or not data["pages"]:
        raise InputError("comic.panels: `plan` is not a page plan; connect the `layout` output of a comic.plan step")
    try:
        pages = [PagePlan.from_dict(p) for p in data["pages"]]
    except (KeyError, TypeError, ValueError) as exc:
        raise InputError(f"comic.panels: `plan` is not a page plan ({exc}); connect the `layout` output of a comic.plan step") from None
    return pages if sum(len(p.panels) for p in pages) == count else None


class PlanParams(PageGeometry):
    aspect: float = Field(1.5, ge=0.25, le=4.0, description="the pictures' nominal shape (width / height) for choosing an auto layout; each picture is then made in its own panel's shape")


@register_step
class ComicPlan(Step):
    name = "comic.plan"
    version = "1"
    description = "Plan the pages before the pictures exist: a layout for N panels, and each panel's shape on its text, so pictures can be made to fit."
    inputs = {"texts": Port("texts", "one text per panel, in reading order (e.g. text.story's descriptions)")}
    outputs = {
        "texts": Port("texts", "the same texts; meta gains panel, page and aspect (the panel's width / height)"),
        "layout": Port("data", "the pages, as comic.panels' layout; connect it to comic.panels' `plan`"),
    }
    Params = PlanParams

    def run(self, ctx, inputs, params):

        texts = list(inputs["texts"])
        if not texts:
            raise InputError("comic.plan: no texts to plan panels for; the step before produced none")
        params.check_layout()
        setup = params.setup()
        pages, notes = plan_pages([params.aspect] * len(texts), layout=params.layout, setup=setup, title=bool(params.title))
        for note in notes:
            ctx.warn(note)
        boxes = [b for p in pages for b in p.panels]
        out = [TextArtifact(t.text, meta={**t.meta, "panel": b.index + 1, "page": b.page, "aspect": round(b.width / b.height, 4)},
                            name=t.name) for t, b in zip(texts, boxes)]
        ctx.report(backend="classic", layouts=sorted({p.layout for p in pages}), pages=len(pages), panels=len(out))
        return {"texts": out, "layout": DataArtifact(_layout_data(pages, params.dpi, params.title, notes), name="plan")}


class ScriptParams(StepParams):
    captions: Literal["auto", "all", "none"] = Field("auto", description="image captions as narration boxes: auto puts a captioning model's description on panels without dialogue (not subtitle copies or measured fallback descriptions); all: every caption; none: never")
    max_lines: int = Field(3, ge=0, le=12, description="at most this many subtitle/speech lines per panel (the rest are noted, not lettered; a transcript's extra lines run on in the last one)")
    max_words: int | None = Field(None, ge=0, le=400, description="transcribed speech longer than this many words a panel is shortened: whole sentences first, never mid-word (None: what the panel holds at 9 pt, 8 to 40 words; 0: never)")


@register_step
class ComicScript(Step):
    name = "comic.script"
    version = "4"
    description = "The words of every panel as editable data: from subtitles (they win) or a transcript (each line in the panel of its moment, off-screen voices as captions, long speech shortened) and captions in the images' meta, a story script, or an edited script."
    inputs = {
        "images": Port("images", "the panels (their meta carries subtitles, speech, caption)", required=False),
        "story": Port("data", "a text.story script: [{panel, description, caption, speech}]", required=False),
        "script": Port("data", "an edited script (see docs/comics.md); when given it is used as is", required=False),
    }
    outputs = {"script": Port("data", "{panels: [{panel, caption, speech: ['NAME: line', ...]}]}")}
    Params = ScriptParams

    def run(self, ctx, inputs, params):
        from studio.comic import script as sc

        images = inputs.get("images") or []
        n = len(images)
        if inputs.get("script") is not None:
            script = sc.normalise(inputs["script"].data, "edited script")
            if n and len(script["panels"]) != n:
                if len(script["panels"]) > n:
                    ctx.warn(f"the edited script has {len(script['panels'])} panels but there are {n}; the extra ones are left out")
                    script["panels"] = script["panels"][:n]
                else:
                    ctx.warn(f"the edited script has {len(script['panels'])} panels but there are {n}; the rest stay without words")
                    script["panels"] += [{"panel": i + 1, "caption": None, "speech": []} for i in range(len(script["panels"]), n)]
            ctx.report(backend="edited", panels=len(script["panels"]))
            return {"script": DataArtifact(script, name="script")}
        panels: list[dict[str, Any]] = []
        words_from: str | None = None
        story = inputs.get("story")
        if story is not None:
            entries = story.data.get("panels") if isinstance(story.data, dict) else story.data
            if not isinstance(entries, list):
                raise InputError("comic.script: the story must be a list of panels [{panel, caption, speech}]")
            panels = [sc.panel_from_story(e) for e in entries]
            if n and len(panels) != n:
                ctx.warn(f"the story has {len(panels)} panels and there are {n} images; words are matched in order")
            source = words_from = "story"
        else:
            metas = [dict(a.meta) for a in images]
            budgets = [params.max_words if params.max_words is not None else
                       sc.word_budget(a.image.size, float(a.meta.get("dpi", 150))) for a in images]
            panels, facts = sc.panels_from_meta(metas, captions=params.captions, max_lines=params.max_lines,
                                                max_words=budgets)
            if facts["dropped"]:
                ctx.warn(f"{facts['dropped']} subtitle/speech line(s) did not fit the max_lines={params.max_lines} limit per panel and were left out")
            if facts["shortened"]:
                most = params.max_words if params.max_words is not None else f"{min(budgets)}-{max(budgets)}"
                ctx.warn(f"speech shortened to what each panel holds ({most} words; whole sentences first, never mid-word): "
                         f"{facts['shortened']} word(s) left out; raise script.max_words or edit script.json to keep more")
            if facts["words_from"] is None and any(isinstance(m.get("time"), (int, float)) for m in metas):
                clip = next((Path(str(m["source"])).name for m in metas if m.get("source")), "the clip")
                if facts["transcribed"]:
                    ctx.warn(f"no words: {clip} has neither speech nor subtitles; the panels carry no dialogue")
                else:
                    ctx.warn(f"no words: {clip} has no subtitles and its speech was not transcribed; the panels carry no dialogue")
            source, words_from = "meta", facts["words_from"]
        if n:
            panels = (panels + [{"caption": None, "speech": []}] * n)[:n]
        script = sc.normalise({"panels": panels})
        words = sum(bool(p["caption"]) + len(p["speech"]) for p in script["panels"])
        ctx.report(backend=source, panels=len(script["panels"]), lines=words, words_from=words_from)
        return {"script": DataArtifact(script, name="script")}


class LetterParams(StepParams):
    font: str | None = Field(None, max_length=1000, description="a .ttf/.otf font file (None: Pillow's built-in scalable font)")
    font_pt: float = Field(9.0, ge=4, le=48, description="lettering size in points at the page's dpi (shrinks to fit when needed)")
    min_font_pt: float = Field(5.5, ge=3, le=48, description="never shrink below this size")
    case: Literal["upper", "as-written"] = Field("upper", description="comic lettering is traditionally all capitals")
    bubble: Literal["oval", "rect"] = Field("oval", description="shape of ordinary speech bubbles (thoughts are clouds, shouts jagged)")
    tails: bool = Field(True, description="draw tails towards the speaker")


@register_step
class ComicLetter(Step):
    name = "comic.letter"
    version = "4"
    description = "Letter panels: caption boxes and speech/thought/shout bubbles, wrapped and auto-fitted, placed off faces in reading order."
    inputs = {
        "images": Port("images", "fitted panels from comic.panels"),
        "script": Port("data", "the words, from comic.script"),
    }
    outputs = {
        "images": Port("images", "lettered panels"),
        "lettering": Port("data", "every bubble's shape, text, font size, rectangle and tail, per panel"),
    }
    Params = LetterParams

    def run(self, ctx, inputs, params):
        from studio.comic import fitting
        from studio.comic.fonts import load_font
        from studio.comic.lettering import panel_lines, plan_panel, render_panel
        from studio.comic.script import normalise, to_lettering

        if params.min_font_pt > params.font_pt:
            raise InputError(f"comic.letter: min_font_pt ({params.min_font_pt}) is larger than font_pt ({params.font_pt})")
        if params.font:
            load_font(12, params.font)  # a missing font file fails here, clearly
        arts = list(inputs["images"])
        script = normalise(inputs["script"].data)
        panels = script["panels"]
        out, plans = [], []
        squeezed = []
        font_digest = _font_identity(params.font)

        def letter(art: ImageArtifact, entry: dict[str, Any]) -> dict[str, Any]:
            lines = panel_lines(to_lettering(entry), speech_shape=params.bubble)
            dpi = int(art.meta.get("dpi", 150))
            plan = plan_panel(
                art.image.size, lines, faces=fitting.parse_faces(art.meta.get("faces")),
                face_names=art.meta.get("face_names"), talking=art.meta.get("talking"),
                saliency=fitting.saliency_map(art.image, width=96) if lines else None,
                font_px=max(6, round(params.font_pt * dpi / 72)), min_font_px=max(5, round(params.min_font_pt * dpi / 72)),
                font_path=params.font, direction=str(art.meta.get("direction", "ltr")), upper=params.case == "upper",
                tails=params.tails,
            )
            img = render_panel(art.image, plan, font_path=params.font)
            meta = dict(art.meta)
            meta["lettered"] = len(plan.bubbles)
            return {"image": ImageArtifact(img, meta=meta, name=art.name), "plan": DataArtifact(plan.to_dict(), name="plan")}

        for i, art in enumerate(arts):
            ctx.check_cancelled()
            entry = panels[i] if i < len(panels) else {"caption": None, "speech": []}
            # each panel is its own memo: re-lettering one panel of twelve redraws one
            key = {"panel": art.content_hash(), "words": entry, "params": params.model_dump(mode="json"), "font": font_digest}
            got = ctx.memo(key, lambda art=art, entry=entry: letter(art, entry))
            plan_d = got["plan"].data
            if plan_d.get("relaxed"):
                squeezed.append(f"panel {i + 1} ({', '.join(plan_d['relaxed'])})")
            out.append(got["image"])
            plans.append({"panel": i + 1, **plan_d})
            ctx.progress((i + 1) / max(1, len(arts)), f"lettered panel {i + 1}/{len(arts)}")
        if squeezed:
            ctx.warn("too many words for the space on " + "; ".join(squeezed) + ": shorten the text or lower min_font_pt")
        if len(panels) > len(arts):
            ctx.warn(f"the script has {len(panels)} panels but there are {len(arts)}; the extra words are not lettered")
        ctx.report(backend="pillow", font=params.font or "Pillow built-in (Aileron)", bubbles=sum(len(p["bubbles"]) for p in plans),
                   panels_redrawn=ctx.memo_misses, panels_reused=ctx.memo_hits)
        return {"images": out, "lettering": DataArtifact({"panels": plans}, name="lettering")}


class PageParams(StepParams):
    background: str = Field("white", max_length=40, description="page colour (name or #hex)")
    border_mm: float = Field(0.6, ge=0, le=10, description="panel frame width in mm (0: no frames)")
    border_colour: str = Field("black", max_length=40, description="panel frame and title banner colour")
    credits: str | None = Field("auto", max_length=300, description="'auto': name the models and licences that made the pictures (when any neural model ran); other text: printed as well; None: no credits line")
    font: str | None = Field(None, max_length=1000, description="title/credits font file (None: built-in)")


@register_step
class ComicPage(Step):
    name = "comic.page"
    version = "1"
    description = "Compose comic pages: panels in their frames, the title banner and a credits line."
    inputs = {
        "images": Port("images", "lettered panels in reading order"),
        "layout": Port("data", "the pages from comic.panels"),
    }
    outputs = {"pages": Port("images", "one PNG per page")}
    Params = PageParams

    def run(self, ctx, inputs, params):
        from studio.comic.page import credits_line, parse_colour, render_page

        parse_colour(params.background, "background")
        parse_colour(params.border_colour, "border_colour")
        lay = inputs["layout"].data
        arts = list(inputs["images"])
        plans = [PagePlan.from_dict(p) for p in lay["pages"]]
        total = sum(len(p.panels) for p in plans)
        if total != len(arts):
            raise InputError(f"comic.page: the layout has {total} panels but {len(arts)} images came in; feed it the panels of the same comic.panels step")
        credits = None
        if params.credits:
            extra = None if params.credits == "auto" else params.credits
            credits = credits_line([a.meta for a in arts], extra)
        border = mm_to_px(params.border_mm, int(lay.get("dpi", 150))) if params.border_mm > 0 else 0
        if params.border_mm > 0:
            border = max(1, border)
        font_digest = _font_identity(params.font)

        def compose(plan: Any) -> dict[str, Any]:
            imgs = [arts[b.index].image for b in plan.panels]
            page = render_page(plan, imgs, background=params.background, border_px=border, border_colour=params.border_colour,
                               title=lay.get("title") if plan.index == 0 else None,
                               credits=credits if plan.index == len(plans) - 1 else None, font_path=params.font)
            meta = {"page": plan.index, "layout": plan.layout, "direction": plan.direction, "dpi": int(lay.get("dpi", 150)),
                    "panels": [b.index for b in plan.panels]}
            if lay.get("title"):
                meta["title"] = lay["title"]
            return {"page": ImageArtifact(page, meta=meta, name=f"page_{plan.index + 1:03d}")}

        pages = []
        for plan in plans:
            # each page is its own memo: a page whose panels did not change is not drawn again
            key = {"plan": plan.to_dict(), "panels": [arts[b.index].content_hash() for b in plan.panels],
                   "title": lay.get("title"), "first": plan.index == 0, "dpi": int(lay.get("dpi", 150)),
                   "credits": credits if plan.index == len(plans) - 1 else None, "last": plan.index == len(plans) - 1,
                   "params": params.model_dump(mode="json"), "font": font_digest}
            pages.append(ctx.memo(key, lambda plan=plan: compose(plan))["page"])
            ctx.progress((plan.index + 1) / len(plans), f"page {plan.index + 1}/{len(plans)}")
        ctx.report(backend="pillow", pages=len(pages), credits=credits, pages_redrawn=ctx.memo_misses, pages_reused=ctx.memo_hits)
        return {"pages": pages}


_VIDEO_SUFFIXES = (".mp4", ".webm", ".mkv", ".mov", ".gif", ".avi", ".m4v")


def _title_and_summary(params: Any, page_title: str | None) -> tuple[str, str | None]:
    """(title, summary) for the PDF and ComicInfo: the title given, else the first page's banner,
    else a video's file name or the premise (shortened to a line); the Summary is the premise."""
    source = (params.source or "").strip()
    is_video = source.lower().endswith(_VIDEO_SUFFIXES)
    title = (params.title or "").strip() or (page_title or "").strip()
    if not title and source:
        if is_video:
            title = Path(source).stem.replace("_", " ").strip() or "Comic"
        else:
            line = " ".join(source.split())
            title = line if len(line) <= 80 else line[:77].rsplit(" ", 1)[0] + "..."
            title = title[:1].upper() + title[1:]
    summary = params.summary or (source if source and not is_video else None)
    return title or "Comic", summary


class ExportParams(StepParams):
    title: str | None = Field(None, max_length=200, description="title in the PDF and ComicInfo.xml (None or empty: the page title, else from `source`)")
    source: str | None = Field(None, max_length=100_000, description="what the comic was made from: a premise (the fallback title and the Summary) or a video file (its name is the fallback title)")
    writer: str | None = Field("studio", max_length=200, description="ComicInfo Writer (who wrote the script)")
    summary: str | None = Field(None, max_length=100_000, description="ComicInfo Summary (None: the premise given as `source`)")
    language: str | None = Field("en", max_length=12, description="ComicInfo LanguageISO (the script's language; studio writes English)")
    filename: str = Field("comic", min_length=1, max_length=80, pattern=r"^[\w.-]+$", description="file name stem of the PDF and CBZ")


@register_step
class ComicExport(Step):
    name = "comic.export"
    version = "1"
    description = "Export comic pages as one PDF (img2pdf, lossless) and a CBZ (stored zip of sorted pages + ComicInfo.xml)."
    inputs = {"pages": Port("images", "the pages, in order")}
    outputs = {"pdf": Port("file", "the comic as a PDF"), "cbz": Port("file", "the comic as a CBZ")}
    Params = ExportParams

    def run(self, ctx, inputs, params):
        from studio.export.comic import is_gray, png_pages, write_cbz, write_pdf

        pages = list(inputs["pages"])
        if not pages:
            raise InputError("comic.export: no pages to export")
        first = pages[0].meta
        title, summary = _title_and_summary(params, first.get("title"))
        dpi = int(first.get("dpi", 150))
        rtl = first.get("direction") == "rtl"
        gray = all(is_gray(p.image) for p in pages)
        # RGB pages as the engine encodes them (the cached PNG when there is one: no re-encoding)
        imgs = [p.png_bytes() if p.mode == "RGB" else png_pages([p.image])[0] for p in pages]
        pdf = write_pdf(imgs, ctx.scratch(f"{params.filename}.pdf"), dpi=dpi, title=title)
        ctx.progress(0.5, "pdf written")
        cbz = write_cbz(imgs, ctx.scratch(f"{params.filename}.cbz"), title=title, rtl=rtl, writer=params.writer,
                        summary=summary, language=params.language, black_and_white=gray)
        ctx.report(backend="img2pdf+zip", pages=len(pages), manga=rtl)
        return {"pdf": FileArtifact(pdf), "cbz": FileArtifact(cbz)}


class MotionParams(StepParams):
    seconds_per_panel: float = Field(3.5, ge=0.5, le=60, description="how long each panel stays on screen")
    transition: Literal["crossfade", "slide", "cut"] = Field("crossfade", description="how one panel gives way to the next")
    transition_seconds: float = Field(0.6, ge=0, le=5, description="length of each transition (within the panel's time)")
    move: Literal["auto", "push-in", "pull-out", "pan", "none"] = Field("auto", description="camera move per panel: auto pans along panels that overflow the frame (fill) or are much taller or wider (contain) and alternates push-in/pull-out on the rest")
    width: int = Field(1280, ge=64, le=3840, multiple_of=2, description="video width (even)")
    height: int = Field(720, ge=64, le=2160, multiple_of=2, description="video height (even)")
    fps: int = Field(24, ge=6, le=60, description="frames per second")
    fit: Literal["fill", "contain"] = Field("fill", description="fill: every panel covers the frame and the camera travels along what overflows (two tall panels in a row share the frame side by side); contain: each panel whole, over `background`")
    background: Literal["blur", "black", "white"] = Field("blur", description="what fills the frame around a panel (fit: contain)")
    crf: int = Field(20, ge=0, le=51, description="H.264 quality (lower is better, larger)")


@register_step
class ComicMotion(Step):
    name = "comic.motion"
    version = "4"
    description = "A motion comic: panels in reading order with pan/zoom moves and transitions, plus a soundtrack fitted to the length, as an H.264/AAC MP4."
    inputs = {
        "images": Port("images", "lettered panels (or pages) in reading order"),
        "audio": Port("audio", "a soundtrack; trimmed with a fade-out or looped to the video's length", required=False),
    }
    outputs = {"video": Port("video", "the motion comic (MP4, H.264 + AAC)")}
    Params = MotionParams

    def run(self, ctx, inputs, params):
        from studio.comic.motion import render_motion

        arts = list(inputs["images"])
        if not arts:
            raise InputError("comic.motion: no panels to animate")
        if params.transition != "cut" and params.transition_seconds >= params.seconds_per_panel:
            raise InputError(f"comic.motion: transition_seconds ({params.transition_seconds}) must be shorter than seconds_per_panel ({params.seconds_per_panel})")
        audio = inputs.get("audio")
        path = ctx.scratch("motion-comic.mp4")
        info = render_motion(
            [a.image for a in arts], path,
            audio=(audio.samples, audio.sample_rate) if audio is not None else None,
            seconds_per_panel=params.seconds_per_panel, transition=params.transition,
            transition_seconds=params.transition_seconds, move=params.move, size=(params.width, params.height),
            fps=params.fps, background=params.background, crf=params.crf,
            progress=lambda f, m="": ctx.progress(f, m), fit=params.fit,
            rtl=any(a.meta.get("direction") == "rtl" for a in arts),
        )
        if audio is None:
            ctx.warn("no soundtrack given: the video has no audio stream")
        ctx.report(backend="pyav+libx264", codec="h264/aac" if audio is not None else "h264", **info)
        return {"video": VideoArtifact(path, meta={"duration": info["duration"]})}
