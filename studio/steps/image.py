"""Image steps: loading, resizing, contact sheets."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from studio.engine import ImageArtifact, InputError, Port, Step, StepParams, register_step
from studio.engine.coerce import images_from_path


class LoadParams(StepParams):
    path: str = Field(description="an image file or a folder of images (sorted by name)")
    limit: int | None = Field(None, ge=1, le=100_000, description="load at most this many images")


@register_step
class LoadImages(Step):
    name = "image.load"
    description = "Load images from a file or a folder (PNG, JPEG, WebP, GIF, BMP, TIFF)."
    outputs = {"images": Port("images", "the loaded images, named after their files")}
    Params = LoadParams

    def cache_extra(self, params):
        # the folder's current contents, so edited or added images are not served stale
        from pathlib import Path

        from studio.engine.artifacts import hash_file
        from studio.engine.coerce import IMAGE_SUFFIXES

        p = Path(params.path).expanduser()
        if p.is_dir():
            files = sorted(f for f in p.iterdir() if f.suffix.lower() in IMAGE_SUFFIXES and f.is_file())
        else:
            files = [p] if p.is_file() else []
        return {"files": [(f.name, hash_file(f)) for f in files]}

    def run(self, ctx, inputs, params):
        images = images_from_path(params.path)
        if params.limit:
            images = images[: params.limit]
        ctx.report(backend="pillow", count=len(images))
        return {"images": images}


class ResizeParams(StepParams):
    width: int | None = Field(None, ge=1, le=16384, description="target width in px (None: follow aspect)")
    height: int | None = Field(None, ge=1, le=16384, description="target height in px (None: follow aspect)")
    mode: Literal["fit", "fill", "stretch"] = Field("fit", description="fit inside, fill by centre crop, or stretch")
    resample: Literal["lanczos", "bicubic", "bilinear", "nearest"] = Field("lanczos", description="resampling filter (nearest for pixel art)")


@register_step
class ResizeImages(Step):
    name = "image.resize"
    description = "Resize images to a width and/or height."
    inputs = {"images": Port("images", "images to resize")}
    outputs = {"images": Port("images", "resized images")}
    Params = ResizeParams

    def run(self, ctx, inputs, params):
        from studio.backends.imageops import resize

        if params.width is None and params.height is None:
            raise InputError("image.resize: give width, height or both")
        out = []
        for i, art in enumerate(inputs["images"]):
            img = resize(art.image, params.width, params.height, params.mode, params.resample)
            out.append(ImageArtifact(img, meta=art.meta, name=art.name))
            ctx.progress((i + 1) / len(inputs["images"]))
        ctx.report(backend="pillow")
        return {"images": out}


class ContactSheetParams(StepParams):
    columns: int = Field(4, ge=1, le=64, description="number of columns")
    cell: int = Field(256, ge=16, le=2048, description="size of each square cell in px")
    padding: int = Field(12, ge=0, le=256, description="space between cells in px")
    labels: bool = Field(True, description="write each image's name under it")
    title: str | None = Field(None, max_length=200, description="optional title above the grid")
    background: str = Field("#1e1e24", description="background colour")


@register_step
class ContactSheet(Step):
    name = "image.contact_sheet"
    description = "Lay images out as one labelled grid."
    inputs = {"images": Port("images", "images to lay out")}
    outputs = {"image": Port("image", "the contact sheet")}
    Params = ContactSheetParams

    def run(self, ctx, inputs, params):
        from studio.backends.imageops import contact_sheet

        arts = inputs["images"]
        if not arts:
            raise InputError("image.contact_sheet: no images to lay out")
        labels = [a.meta.get("label") or a.name or f"#{i + 1}" for i, a in enumerate(arts)] if params.labels else None
        sheet = contact_sheet(
            [a.image for a in arts], labels, columns=params.columns, cell=params.cell,
            padding=params.padding, background=params.background, title=params.title,
        )
        ctx.report(backend="pillow", count=len(arts))
        return {"image": ImageArtifact(sheet, name="contact_sheet")}
