"""Game-asset steps: sprites, seamless textures, pixel art, icon sets, sprite sheets, and a whole
asset spec in one go (`assets.from_spec`, used by the `game-assets` recipe)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

from pydantic import Field

from studio.engine import (
    DataArtifact,
    FileArtifact,
    ImageArtifact,
    InputError,
    Port,
    Step,
    StepParams,
    register_step,
)
from studio.engine.errors import UserError
from studio.engine.seeds import derive_seed
from studio.export.atlas import Animation, frame_name
from studio.models import manager, registry
from studio.models.loaders.diffusers import load_text_to_image
from studio.models.manager import plan_backend
from studio.steps.sfx import _FORMATS, AudioFormat

Style = Literal["outlined", "flat", "pixel"]
Palette = Literal["adaptive", "pico-8", "gameboy", "nes", "sweetie-16", "endesga-32", "cga", "1-bit"]
ImageBackend = Literal["auto", "procedural", "diffusers"]
AnimationKind = Literal["idle", "walk", "spin", "flash", "pulse"]


# -- image backend ------------------------------------------------------------------------------------


def resolve_image_model(model: str | None) -> Any:

    spec = registry.default_for("text-to-image")
    return manager.resolve(model or (spec.name if spec else "sdxl-turbo"), task="text-to-image")


def image_cache_extra(backend: str, model: str | None) -> dict[str, Any]:
    if backend == "procedural":
        return {"backend": "procedural"}
    resolved = resolve_image_model(model)
    return {"backend": "diffusers" if resolved.available else "procedural",
            "model": str(resolved.path) if resolved.available else None, "revision": resolved.revision}


class ImageMaker:
    """Resolves `backend` once (auto: diffusers when the model's weights are local, else the
    procedural generator, with a warning) and makes subjects and textures with it."""

    def __init__(self, ctx: Any, backend: str, model: str | None, steps: int | None = None, render_size: int | None = None):
        self.ctx = ctx
        self.render_size = render_size
        self.backend = "procedural"
        self.pipe = None
        self.model_label: str | None = None
        self.licence: str | None = None
        self.settings: dict[str, Any] = {}
        self.steps = steps

        chosen, resolved = plan_backend(backend, neural="diffusers", fallback="procedural", resolve=lambda: resolve_image_model(model))
        if chosen == "procedural":
            if resolved is not None:
                ctx.warn(f"{resolved.hint()}; using the embedded procedural generator instead")
            return
        assert resolved is not None

        loaded = load_text_to_image(resolved)
        self.pipe = loaded.pipe
        self.backend = "diffusers"
        self.model_label = resolved.describe()
        self.licence = resolved.licence
        self.settings = dict(resolved.spec.settings) if resolved.spec else {}

    def _steps(self) -> int:
        return int(self.steps or self.settings.get("steps", 25))

    def _guidance(self) -> float:
        return float(self.settings.get("guidance", 7.0))

    def _render(self) -> int:
        return int(self.render_size or self.settings.get("width", 512))

    def subject(self, description: str, render: int, seed: int, style: str) -> Any:
        from studio.assets import sprites

        if self.pipe is None:
            return sprites.procedural_sprite(description, size=render, seed=seed, style=style, margin=0.02)
        return sprites.diffusion_sprites(self.pipe, [description], [seed], size=render, style=style, steps=self._steps(),
                                         guidance=self._guidance(), render=self._render())[0]

    def texture(self, description: str, width: int, height: int, seed: int, tile: str, *, material: str | None = None,
                normal_strength: float = 4.0, convention: str = "opengl") -> Any:
        from studio.assets import textures as tx

        if self.pipe is None:
            maps = tx.generate_procedural(description, width=width, height=height, seed=seed, material=material)
            return tx.texture_set(maps, tile=tile if tile != "none" else "both", normal_strength=normal_strength,
                                  convention=convention, reseat=tile != "none")
        from studio.backends.image.diffusion import snap_size

        w, h = snap_size(width, height, int(self.settings.get("multiple", 8)))
        img = tx.diffusion_texture(self.pipe, tx.texture_prompt(description), width=w, height=h, seed=seed, tile=tile,
                                   steps=self._steps(), guidance=self._guidance())
        if img.size != (width, height):
            from PIL import Image

            img = img.resize((width, height), Image.Resampling.LANCZOS)
        return tx.maps_from_image(img, tile=tile, normal_strength=normal_strength, convention=convention)

    def report(self, **info: Any) -> None:
        if self.pipe is None:
            self.ctx.report(backend="procedural", licence="generated (no model licence)", **info)
        else:
            self.ctx.report(backend="diffusers", model=self.model_label, licence=self.licence, **info)


class _ModelParams(StepParams):
    backend: ImageBackend = Field("auto", description="auto: a diffusers model when its weights are local, else the procedural generator")
    model: str | None = Field(None, description="text-to-image model (catalogue name, hub id, local folder or .safetensors); default: the catalogue default")
    steps: int | None = Field(None, ge=1, le=200, description="denoising steps (None: the model's default)")
    render_size: int | None = Field(None, ge=32, le=2048, description="diffusers: px the model draws sprites/icons at before they are keyed out and fitted (None: the model's native size)")


# -- assets.sprite ------------------------------------------------------------------------------------


class SpriteParams(_ModelParams):
    prompt: str = Field(min_length=1, max_length=500, description="what the sprite shows, e.g. 'red health potion'")
    count: int = Field(1, ge=1, le=64, description="variations (each its own seed)")
    size: int = Field(64, ge=8, le=2048, description="canvas size in px (square); for pixel style the pixel grid")
    style: Style = Field("outlined", description="look: outlined (ink outlines, soft shading), flat (cel-shaded), pixel (palette-quantised pixel art, hard alpha)")
    palette: Palette = Field("adaptive", description="pixel style palette")
    animation: Literal["none", "idle", "walk", "spin", "flash", "pulse"] = Field("none", description="make frames of this animation from the first sprite")
    frames: int = Field(8, ge=1, le=64, description="animation frames")
    outline: bool = Field(False, description="draw a dark 1-px outline around the subject")


@register_step
class Sprite(Step):
    name = "assets.sprite"
    description = "Game sprites on a transparent background (procedural default or diffusers + background removal), optionally animated."
    outputs = {"images": Port("images", "sprites (or the animation's frames, in order)")}
    Params = SpriteParams
    uses_seed = True

    def cache_extra(self, params):
        return image_cache_extra(params.backend, params.model)

    def run(self, ctx, inputs, params: SpriteParams):
        from studio.assets.sprites import add_outline, animate, cleanup_alpha, fit_on_canvas
        from studio.backends.image.pixelate import pixelate

        maker = ImageMaker(ctx, params.backend, params.model, params.steps, params.render_size)
        pixel = params.style == "pixel"
        render = max(256, params.size * (4 if pixel else 2))
        count = 1 if params.animation != "none" else params.count
        out = []
        for i in range(count):
            seed = ctx.seed if count == 1 else derive_seed(ctx.seed, f"sprite#{i + 1}")
            subject = maker.subject(params.prompt, render, seed, params.style)
            if params.animation != "none":
                base = fit_on_canvas(subject, render, margin=0.12)
                frames = animate(base, params.animation, params.frames)
                pal = None
                for j, f in enumerate(frames):
                    if pixel:
                        img, pal_used = pixelate(f, width=params.size, palette=pal if pal is not None else params.palette, outline=True)
                        pal = pal_used if pal is None else pal
                    else:
                        img = cleanup_alpha(f.convert("RGBa").resize((params.size, params.size)).convert("RGBA"), min_island=0)
                        if params.outline:
                            img = add_outline(img)
                    out.append(ImageArtifact(img, name=f"{params.animation}_{j:02d}", meta={"label": f"{params.animation} {j}", "frame": j, "animation": params.animation}))
            else:
                if pixel:
                    img, _ = pixelate(fit_on_canvas(subject, render, margin=0.06), width=params.size, palette=params.palette, outline=True)
                else:
                    img = cleanup_alpha(fit_on_canvas(subject, params.size, margin=0.06), min_island=2)
                    if params.outline:
                        img = add_outline(img)
                out.append(ImageArtifact(img, name=f"sprite_{i + 1:02d}" if count > 1 else "sprite", meta={"prompt": params.prompt, "seed": seed}))
            ctx.progress((i + 1) / count)
        maker.report(count=len(out))
        return {"images": out}


# -- assets.texture -----------------------------------------------------------------------------------


class TextureParams(_ModelParams):
    prompt: str = Field(min_length=1, max_length=500, description="the surface, e.g. 'mossy stone wall', 'wooden floor planks'")
    width: int = Field(256, ge=16, le=4096, description="width in px")
    height: int | None = Field(None, ge=16, le=4096, description="height in px (None: same as width)")
    tile: Literal["both", "x", "y", "none"] = Field("both", description="axes on which the texture repeats seamlessly")
    material: Literal["auto", "bricks", "planks", "stone", "tiles", "grass", "water", "sand", "dirt", "metal", "snow", "fabric", "noise"] = Field(
        "auto", description="procedural generator (auto: from the prompt's words)")
    normal_strength: float = Field(4.0, ge=0.1, le=50.0, description="bumpiness of the normal map")
    normal_convention: Literal["opengl", "directx"] = Field("opengl", description="green channel up (OpenGL: Godot, Unity, Blender) or down (DirectX: Unreal)")


@register_step
class Texture(Step):
    name = "assets.texture"
    description = "Seamless tileable textures with normal, roughness and height maps (procedural default or diffusers with circular padding)."
    outputs = {
        "image": Port("image", "the seamless albedo (colour) texture"),
        "maps": Port("images", "normal, roughness and height maps"),
        "data": Port("data", "seam metric and material"),
    }
    Params = TextureParams
    uses_seed = True

    def cache_extra(self, params):
        return image_cache_extra(params.backend, params.model)

    def run(self, ctx, inputs, params: TextureParams):
        maker = ImageMaker(ctx, params.backend, params.model, params.steps, params.render_size)
        h = params.height or params.width
        ts = maker.texture(params.prompt, params.width, h, ctx.seed, params.tile,
                           material=None if params.material == "auto" else params.material,
                           normal_strength=params.normal_strength, convention=params.normal_convention)
        data = {"seam": ts.seam, "tileable": bool(params.tile == "none" or ts.seam["ratio"] <= 1.25), "material": ts.material,
                "tile": params.tile, "normal_convention": params.normal_convention, "size": [params.width, h]}
        maker.report(seam_ratio=ts.seam["ratio"], material=ts.material)
        if params.tile != "none" and ts.seam["ratio"] > 1.25:
            ctx.warn(f"the texture's seam is {ts.seam['ratio']:.2f}x the interior's neighbour difference; it may show when tiled")
        return {
            "image": ImageArtifact(ts.albedo, name="texture", meta={"seam": ts.seam, "prompt": params.prompt}),
            "maps": [ImageArtifact(ts.normal, name="normal"), ImageArtifact(ts.roughness, name="roughness"), ImageArtifact(ts.height, name="height")],
            "data": DataArtifact(data),
        }


# -- assets.pixelate ----------------------------------------------------------------------------------


class PixelateParams(StepParams):
    width: int = Field(32, ge=4, le=1024, description="pixel grid width (height follows the aspect)")
    palette: Palette = Field("adaptive", description="fixed palette, or adaptive (median cut to `colors`)")
    colors: int = Field(16, ge=2, le=256, description="colours of the adaptive palette")
    dither: Literal["none", "ordered", "floyd-steinberg"] = Field("none", description="dithering")
    alpha_threshold: int = Field(128, ge=1, le=255, description="pixels this opaque or more stay; the rest become transparent")
    outline: bool = Field(False, description="add a 1-px outline in the palette's darkest colour")
    preview_scale: int = Field(8, ge=1, le=32, description="nearest-neighbour upscale of the previews")


@register_step
class Pixelate(Step):
    name = "assets.pixelate"
    description = "Pixel-art post-processing: dominant-colour downscale, palette quantisation, dithering, hard alpha."
    inputs = {"images": Port("images", "images to pixelate")}
    outputs = {"images": Port("images", "pixel art at grid size"), "previews": Port("images", "the same, upscaled crisply")}
    Params = PixelateParams

    def run(self, ctx, inputs, params: PixelateParams):
        from studio.backends.image.pixelate import pixelate, upscale

        arts = inputs["images"]
        if not arts:
            raise InputError("assets.pixelate: no images given")
        small, big = [], []
        for i, a in enumerate(arts):
            img, pal = pixelate(a.image, width=params.width, palette=params.palette, colors=params.colors, dither=params.dither,
                                alpha_threshold=params.alpha_threshold, outline=params.outline)
            name = a.name or f"pixel_{i:03d}"
            meta = {**a.meta, "palette": params.palette, "colours": len(pal)}
            small.append(ImageArtifact(img, name=name, meta=meta))
            big.append(ImageArtifact(upscale(img, params.preview_scale), name=f"{name}_x{params.preview_scale}", meta=meta))
            ctx.progress((i + 1) / len(arts))
        ctx.report(backend="pixelate", count=len(small))
        return {"images": small, "previews": big}


# -- assets.icons -------------------------------------------------------------------------------------


class IconsParams(_ModelParams):
    prompt: str | None = Field(None, max_length=500, description="what the icon shows (ignored when an image is given)")
    sizes: list[int] = Field(default_factory=lambda: [16, 32, 64, 128, 256], description="icon sizes in px (8..2048)")
    rarity: Literal["none", "common", "uncommon", "rare", "epic", "legendary"] = Field("none", description="rarity frame")
    shape: Literal["rounded", "square", "circle"] = Field("rounded", description="frame shape")
    style: Style = Field("outlined", description="outlined, flat, or pixel (each size is pixel art)")
    palette: Palette = Field("adaptive", description="pixel style palette")


@register_step
class Icons(Step):
    name = "assets.icons"
    description = "Icon sets at chosen sizes (16-512 px) with optional rarity frames, from an image or a description."
    inputs = {"image": Port("image", "the subject (transparent background works best)", required=False)}
    outputs = {"images": Port("images", "one icon per size, named icon_<size>")}
    Params = IconsParams
    uses_seed = True

    def cache_extra(self, params):
        return {"source": "image"} if params.prompt is None else image_cache_extra(params.backend, params.model)

    def run(self, ctx, inputs, params: IconsParams):
        from studio.assets.icons import icon_set
        from studio.assets.sprites import has_transparency, remove_background

        bad = [s for s in params.sizes if not 8 <= s <= 2048]
        if not params.sizes or bad:
            raise InputError(f"assets.icons: sizes must be 8..2048 px, got {bad or params.sizes}")
        if inputs.get("image") is not None:
            subject = inputs["image"].image
            if not has_transparency(subject):
                subject = remove_background(subject)
            ctx.report(backend="pillow")
        elif params.prompt and params.prompt.strip():
            maker = ImageMaker(ctx, params.backend, params.model, params.steps, params.render_size)
            subject = maker.subject(params.prompt, max(512, 2 * max(params.sizes)), ctx.seed, params.style)
            maker.report()
        else:
            raise InputError("assets.icons: give an image or a prompt")
        icons = icon_set(subject, params.sizes, rarity=None if params.rarity == "none" else params.rarity, shape=params.shape,
                         pixel_palette=params.palette if params.style == "pixel" else None)
        return {"images": [ImageArtifact(img, name=f"icon_{s}", meta={"size": s, "rarity": params.rarity}) for s, img in icons.items()]}


# -- assets.sheet -------------------------------------------------------------------------------------


class SheetParams(StepParams):
    name: str = Field("sheet", pattern=r"^[A-Za-z0-9][A-Za-z0-9_\-]{0,63}$", description="file stem of the sheet (sheet.png, sheet.json, sheet.tres)")
    mode: Literal["animation", "sprites"] = Field("animation", description="animation: frames in order with numeric keys; sprites: keys from the images' names")
    animation: str = Field("default", min_length=1, max_length=64, description="animation name (mode animation)")
    fps: float = Field(10.0, gt=0, le=60, description="frames per second (mode animation)")
    loop: bool = Field(True, description="the animation loops")
    padding: int = Field(2, ge=0, le=64, description="empty pixels between frames and around the sheet")
    extrude: int = Field(1, ge=0, le=64, description="repeat each frame's edge pixels outward (for filtered sampling)")
    power_of_two: bool = Field(False, description="round the sheet size up to powers of two")
    trim: bool = Field(True, description="trim transparent borders (the atlas records the offsets)")
    grid: bool = Field(True, description="also write a uniform-grid sheet (<name>_grid.png)")
    pixel_art: bool = Field(False, description="Godot: filter_clip on each frame (pixel art)")


@register_step
class Sheet(Step):
    name = "assets.sheet"
    description = "Pack sprites/frames into a sheet with TexturePacker JSON Hash (Phaser, PixiJS), Godot 4 SpriteFrames .tres and a uniform grid."
    inputs = {"images": Port("images", "frames in order, or sprites")}
    outputs = {
        "files": Port("files", "<name>.png, <name>.json, <name>.tres and <name>_grid.png"),
        "image": Port("image", "the packed sheet"),
        "data": Port("data", "the atlas JSON"),
    }
    Params = SheetParams

    def run(self, ctx, inputs, params: SheetParams):
        from studio.assets.build import SheetOptions, write_sheet
        from studio.assets.packing import Frame, grid_sheet

        arts = inputs["images"]
        if not arts:
            raise InputError("assets.sheet: no images to pack")
        if params.mode == "animation":
            dur = int(round(1000 / params.fps))
            frames = [Frame(frame_name(params.animation, i), a.image, duration=dur) for i, a in enumerate(arts)]
            anims = [Animation(params.animation, [f.key for f in frames], fps=params.fps, loop=params.loop)]
        else:
            names = [a.name or f"sprite_{i:03d}" for i, a in enumerate(arts)]
            seen: set[str] = set()
            keys = []
            for i, n in enumerate(names):
                k = n if n not in seen else f"{n}_{i}"
                seen.add(k)
                keys.append(k)
            frames = [Frame(k, a.image) for k, a in zip(keys, arts)]
            anims = [Animation(k, [k], fps=1.0, loop=False) for k in keys]
        folder = ctx.scratch("x").parent
        opts = SheetOptions(padding=params.padding, extrude=params.extrude, power_of_two=params.power_of_two, trim=params.trim)
        try:
            paths, info = write_sheet(folder, params.name, frames, anims, opts, pixel_art=params.pixel_art)
        except ValueError as exc:
            raise UserError(f"assets.sheet: {exc}") from None
        if params.grid:
            from studio.export.png import write_png

            gimg, ginfo = grid_sheet([f.image for f in frames])
            gp = folder / f"{params.name}_grid.png"
            write_png(gimg, gp)
            paths.append(gp)
            info["grid"] = ginfo
        from PIL import Image

        with Image.open(paths[0]) as im:
            sheet_img = im.copy()
        doc = json.loads(Path(paths[1]).read_text(encoding="utf-8"))
        ctx.report(backend="maxrects", efficiency=info["efficiency"], size=info["size"], frames=len(frames))
        files = [FileArtifact(p, name=p.stem) for p in paths]
        return {"files": files, "image": ImageArtifact(sheet_img, name=params.name), "data": DataArtifact(doc, meta={"sheet": info})}


# -- assets.from_spec ---------------------------------------------------------------------------------


class FromSpecParams(_ModelParams):
    prompts: str = Field("", max_length=20_000, description="'red health potion; goblin enemy; stone wall texture; coin pickup sound' (used when no spec file is given)")
    style: Style = Field("outlined", description="style for prompts (a spec file sets its own)")
    palette: Palette = Field("adaptive", description="pixel-style palette for prompts (a spec file sets its own)")
    padding: int | None = Field(None, ge=0, le=64, description="sheet padding (None: the spec's, else 2)")
    extrude: int | None = Field(None, ge=0, le=64, description="sheet edge extrusion (None: the spec's, else 1)")
    power_of_two: bool | None = Field(None, description="power-of-two sheets (None: the spec's, else false)")
    sfx_backend: Literal["auto", "synth", "neural"] = Field("auto", description="auto: a text-to-audio model when its weights are local, else the synthesiser")
    sfx_model: str | None = Field(None, description="text-to-audio model (audioldm2, stable-audio-open, hub id or folder)")
    formats: list[AudioFormat] = Field(default_factory=lambda: list(_FORMATS), description="sound files to write")


@register_step
class FromSpec(Step):
    name = "assets.from_spec"
    version = "1"
    description = "Make every asset of a spec (YAML file or '; '-separated prompts): sprites, animations with sheets, textures, icons, sounds."
    inputs = {"spec": Port("file", "assets.yaml (kind, description, size, frames, palette, style per asset)", required=False)}
    outputs = {
        "files": Port("files", "every asset file, flat (PNG, sheet JSON, Godot .tres, WAV/OGG)"),
        "preview": Port("image", "a contact sheet of everything"),
        "data": Port("data", "the index: each asset's files, sizes, seam metrics, sheet efficiency, backends"),
    }
    Params = FromSpecParams
    uses_seed = True

    def cache_extra(self, params):
        from studio.steps.sfx import sfx_cache_extra

        return {"image": image_cache_extra(params.backend, params.model), "sfx": sfx_cache_extra(params.sfx_backend, params.sfx_model)}

    def run(self, ctx, inputs, params: FromSpecParams):
        from studio.assets.build import Generators, SheetOptions, build
        from studio.assets.spec import parse_prompts, parse_spec_file
        from studio.steps.sfx import SoundMaker, exporter

        spec_art = inputs.get("spec")
        if spec_art is not None:
            display = Path(str(spec_art.meta.get("source") or spec_art.path)).name
            spec = parse_spec_file(spec_art.path, display)
        elif params.prompts.strip():
            spec = parse_prompts(params.prompts, style=params.style, palette=params.palette)
        else:
            raise InputError("game assets: give a spec file (-i spec=assets.yaml) or prompts (-i prompts=\"red potion; coin sound\")")
        kinds = {a.kind for a in spec.assets}
        needs_images = bool(kinds & {"sprite", "animation", "texture", "icon"})
        images = ImageMaker(ctx, params.backend if needs_images else "procedural", params.model, params.steps, params.render_size)
        sounds = SoundMaker(ctx, params.sfx_backend if "sfx" in kinds else "synth", params.sfx_model, params.steps)
        backends = {k: images.backend for k in ("sprite", "animation", "texture", "icon")}
        backends["sfx"] = "sfxr-synth" if sounds.backend == "synth" else "diffusers"
        gens = Generators(subject=images.subject, texture=images.texture, sound=sounds, export=exporter(params.formats),
                          backends=backends, sidecar=sounds.sidecar)
        sheet = dict(spec.sheet)
        for key in ("padding", "extrude", "power_of_two"):
            if getattr(params, key) is not None:
                sheet[key] = getattr(params, key)
        opts = SheetOptions(**{k: v for k, v in sheet.items() if k in SheetOptions.__dataclass_fields__})
        out = ctx.scratch("x").parent / "assets"
        out.mkdir(parents=True, exist_ok=True)
        result = build(spec, out, gens, seed=ctx.seed, progress=ctx.progress, sheet_opts=opts)
        models = {}
        if images.pipe is not None:
            models["image"] = {"model": images.model_label, "licence": images.licence}
        if sounds.pipe is not None:
            models["sfx"] = {"model": sounds.model_label, "licence": sounds.licence}
        result.index["models"] = models
        counts: dict[str, int] = {}
        for a in spec.assets:
            counts[a.kind] = counts.get(a.kind, 0) + 1
        label = ", ".join(f"{k}: {v}" for k, v in sorted(backends.items()) if k in kinds)
        model = "; ".join(f"{k}={v['model']}" for k, v in models.items()) or None
        licence = "; ".join(f"{k}: {v['licence']}" for k, v in models.items()) or "generated (no model licence)"
        ctx.report(backend=label, model=model, licence=licence, assets=counts, files=len(result.files),
                   atlas_efficiency=(result.index["atlas"] or {}).get("efficiency"))
        files = [FileArtifact(p, name=p.stem) for p in result.files]
        return {
            "files": files,
            "preview": ImageArtifact(result.preview, name="preview"),
            "data": DataArtifact(result.index, name="index"),
        }
