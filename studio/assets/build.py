"""Make every asset of a spec into one flat folder of engine-ready files.

The generators (sprite subject, texture, sound) are passed in, so the same build runs on the
embedded defaults, on diffusers models or on test stand-ins. Per asset kind:

- sprite:    `{id}.png` (`{id}_{n}.png` for count > 1), transparent background
- animation: `{id}_sheet.png` + `{id}_sheet.json` (TexturePacker JSON Hash, numeric keys,
             `animations`, `meta.frameTags`), `{id}.tres` (Godot 4 SpriteFrames), `{id}_grid.png`
             (uniform grid for Unity and frame-grid loaders), `{id}.gif` (a preview)
- texture:   `{id}.png` (seamless), `{id}_normal.png` (OpenGL), `{id}_roughness.png`, `{id}_height.png`
- icon:      `{id}_{size}.png` per size
- sfx:       `{id}.wav` + `{id}.ogg` + `{id}.json` (what made it: kind, seed, backend, licence)
- shared:    `atlas.png/.json/.tres` packing every sprite and animation frame together
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageDraw

from studio._version import __version__
from studio.assets.icons import icon_set
from studio.assets.packing import Frame, grid_sheet, pack_frames
from studio.assets.spec import AssetSpec, AssetsSpec
from studio.backends.audio import sfx as sfxmod
from studio.backends.image.imageops import contact_sheet
from studio.backends.image.procedural import drawn_for
from studio.engine.seeds import derive_seed
from studio.export.atlas import Animation, frame_name, write_atlas
from studio.export.png import write_png

#: subject(description, render_size, seed, style) -> RGBA image with a transparent background
SubjectFn = Callable[[str, int, int, str], Image.Image]
#: texture(description, width, height, seed, tile) -> studio.assets.textures.TextureSet
TextureFn = Callable[[str, int, int, int, str], Any]
#: sound(description, kind or None, seed, duration or None) -> (samples, sample_rate, info)
SoundFn = Callable[[str, "str | None", int, "float | None"], tuple[np.ndarray, int, dict[str, Any]]]
#: export(samples, sample_rate, out_dir, stem, sidecar) -> {format: path}
ExportFn = Callable[[np.ndarray, int, Path, str, "dict[str, Any] | None"], dict[str, Path]]


@dataclass
class Generators:
    subject: SubjectFn
    texture: TextureFn
    sound: SoundFn
    export: ExportFn
    backends: dict[str, str] = field(default_factory=dict)
    #: sidecar(description, info, seed) -> what to record beside each sound
    sidecar: Callable[[str, dict[str, Any], int], dict[str, Any]] | None = None


@dataclass
class BuildResult:
    files: list[Path]
    preview: Image.Image
    index: dict[str, Any]
    thumbs: list[tuple[str, Image.Image]]


@dataclass
class SheetOptions:
    padding: int = 2
    extrude: int = 1
    power_of_two: bool = False
    trim: bool = True
    atlas: bool = True


def write_sheet(out: Path, stem: str, frames: list[Frame], animations: list[Animation], opts: SheetOptions, *,
                tres_name: str | None = None, pixel_art: bool = False) -> tuple[list[Path], dict[str, Any]]:
    """Pack `frames` and write `{stem}.png`, `{stem}.json` and a Godot `.tres`."""
    sheet = pack_frames(frames, padding=opts.padding, extrude=opts.extrude, trim=opts.trim, power_of_two=opts.power_of_two)
    files = write_atlas(sheet, animations, out, stem, tres_stem=tres_name, filter_clip=pixel_art)
    info = {"size": list(sheet.size), "frames": len(frames), "efficiency": round(sheet.efficiency(), 4),
            "padding": opts.padding, "extrude": opts.extrude, "power_of_two": opts.power_of_two, "trim": opts.trim}
    return files, info


def _save_png(img: Image.Image, path: Path, a: AssetSpec, seed: int, backend: str | None) -> None:
    """An asset PNG carrying its prompt, seed and backend (A1111 `parameters` and a `studio` chunk)."""
    fields = {"Seed": seed, "Size": f"{img.width}x{img.height}", "Backend": backend or "procedural"}
    text = a.description + "\n" + ", ".join(f"{k}: {v}" for k, v in fields.items())
    write_png(img, path, parameters=text,
              made_by={"studio": __version__, "kind": a.kind, "backend": backend or "procedural", "seed": seed, "prompt": a.description})


def _pixel(a: AssetSpec, img: Image.Image, size: tuple[int, int], palette: np.ndarray | str | None = None) -> tuple[Image.Image, np.ndarray]:
    from studio.backends.image.pixelate import pixelate

    pal = palette if palette is not None else a.palette
    return pixelate(img, width=size[0], height=size[1], palette=pal, colors=16, outline=a.outline is not False)


def _fit(img: Image.Image, size: tuple[int, int], margin: float = 0.06) -> Image.Image:
    from studio.assets.sprites import fit_on_canvas

    return fit_on_canvas(img, size, margin=margin)


def _resize_rgba(img: Image.Image, size: tuple[int, int]) -> Image.Image:
    """Resize with premultiplied alpha (no dark fringe from transparent pixels' colours)."""
    if img.size == tuple(size):
        return img.copy()
    return img.convert("RGBa").resize(size, Image.Resampling.LANCZOS).convert("RGBA")


def _waveform(samples: np.ndarray, size: int = 256) -> Image.Image:
    """A small picture of a sound for the preview sheet."""
    x = samples if samples.ndim == 1 else samples.mean(axis=1)
    img = Image.new("RGB", (size, size // 2), (24, 26, 34))
    d = ImageDraw.Draw(img)
    n = len(x)
    h = size // 2
    cols = np.array_split(np.abs(x), size) if n >= size else [np.abs(x)]
    for i, c in enumerate(cols):
        v = float(c.max()) if len(c) else 0.0
        y = int(v * (h / 2 - 4))
        d.line([(i, h // 2 - y), (i, h // 2 + y)], fill=(120, 200, 255))
    return img


def _tiled(img: Image.Image, n: int = 2) -> Image.Image:
    out = Image.new(img.mode, (img.width * n, img.height * n))
    for y in range(n):
        for x in range(n):
            out.paste(img, (x * img.width, y * img.height))
    return out


def build(spec: AssetsSpec, out: Path, gens: Generators, *, seed: int, progress: Callable[[float, str], None] | None = None,
          sheet_opts: SheetOptions | None = None) -> BuildResult:
    """Make every asset of `spec` into `out` (which must exist). Asset seeds derive from `seed`
    and the asset's id, so adding an asset does not change the others."""
    from studio.assets.sprites import animate, cleanup_alpha, focus_prompt

    opts = sheet_opts or SheetOptions(**{k: v for k, v in spec.sheet.items() if k in SheetOptions.__dataclass_fields__})
    files: list[Path] = []
    thumbs: list[tuple[str, Image.Image]] = []
    entries: list[dict[str, Any]] = []
    atlas_frames: list[Frame] = []
    atlas_anims: list[Animation] = []
    atlas_pixel = False
    total = len(spec.assets)

    for n, a in enumerate(spec.assets):
        if progress:
            progress(n / total, f"{a.kind} {a.id}")
        aseed = derive_seed(seed, a.id)
        if a.kind in ("sprite", "animation", "icon") and a.count == 1:
            # one look per description: hero_walk and hero_idle are the same knight, and the
            # goblin's hair does not change between goblin_walk and goblin_hurt
            aseed = derive_seed(seed, "look:" + " ".join(a.description.lower().split()))
        entry: dict[str, Any] = {"id": a.id, "kind": a.kind, "description": a.description, "seed": aseed, "files": []}
        made: list[Path] = []
        pixel = a.style == "pixel"
        grid = (a.pixels, a.pixels) if a.pixels else a.size

        if a.kind == "sprite":
            for i in range(a.count):
                s = aseed if a.count == 1 else derive_seed(seed, f"{a.id}#{i + 1}")
                render = max(256, max(a.size) * (4 if pixel else 2))
                subject = gens.subject(a.description, render, s, a.style)
                if pixel:
                    img, _ = _pixel(a, _fit(subject, (render, render)), grid)
                else:
                    img = cleanup_alpha(_fit(subject, a.size), min_island=2)
                    if a.outline:
                        from studio.assets.sprites import add_outline

                        img = add_outline(img)
                stem = a.id if a.count == 1 else f"{a.id}_{i + 1}"
                p = out / f"{stem}.png"
                _save_png(img, p, a, s, gens.backends.get(a.kind))
                made.append(p)
                thumbs.append((stem, img))
                atlas_frames.append(Frame(stem, img))
                atlas_anims.append(Animation(stem, [stem], fps=1.0, loop=False))
            entry.update(size=list(grid if pixel else a.size), style=a.style, count=a.count)
            atlas_pixel = atlas_pixel or pixel

        elif a.kind == "animation":
            render = max(256, max(a.size) * 4)
            subject = gens.subject(a.description, render, aseed, a.style)
            # animate at 2x the output (4x the pixel grid): smooth enough, and cheap
            work = min(render, max(128, 2 * max(a.size), 4 * max(grid) if pixel else 0))
            base = _fit(subject, (work, work), margin=0.12)
            hi = animate(base, a.animation, a.frames)
            if pixel:
                _, pal = _pixel(a, hi[0], grid)
                frames_img = [_pixel(a, f, grid, pal)[0] for f in hi]
            else:
                frames_img = [cleanup_alpha(_resize_rgba(f, a.size), min_island=0) for f in hi]
            dur = int(round(1000 / a.fps))
            frames = [Frame(frame_name(a.animation, i), f, duration=dur, pivot=(0.5, 1.0)) for i, f in enumerate(frames_img)]
            anim = Animation(a.animation, [f.key for f in frames], fps=a.fps, loop=True)
            paths, info = write_sheet(out, f"{a.id}_sheet", frames, [anim], opts, tres_name=a.id, pixel_art=pixel)
            grid_img, grid_info = grid_sheet(frames_img)
            gp = out / f"{a.id}_grid.png"
            _save_png(grid_img, gp, a, aseed, gens.backends.get(a.kind))
            gif = out / f"{a.id}.gif"
            _save_gif(frames_img, gif, dur)
            made += [*paths, gp, gif]
            thumbs.append((f"{a.id} ({a.animation})", frames_img[0]))
            entry.update(size=list(frames_img[0].size), animation=a.animation, frames=len(frames), fps=a.fps,
                         sheet=info, grid=grid_info, style=a.style)
            # the shared atlas: frames named after the asset (its animation is named after it too)
            keys = []
            for i, f in enumerate(frames_img):
                k = frame_name(a.id, i)
                atlas_frames.append(Frame(k, f, duration=dur, pivot=(0.5, 1.0)))
                keys.append(k)
            atlas_anims.append(Animation(a.id, keys, fps=a.fps, loop=True))
            atlas_pixel = atlas_pixel or pixel

        elif a.kind == "texture":
            from studio.assets.textures import seam_metric

            w, h = a.size
            if pixel:
                gw, gh = grid
                ts = gens.texture(a.description, gw * 8, gh * 8, aseed, a.tile)
                ts = _pixel_texture(ts, (gw, gh), a.palette, a.tile)
            else:
                ts = gens.texture(a.description, w, h, aseed, a.tile)
            stems = {"": ts.albedo, "_normal": ts.normal, "_roughness": ts.roughness, "_height": ts.height}
            for suffix, img in stems.items():
                p = out / f"{a.id}{suffix}.png"
                _save_png(img, p, a, aseed, gens.backends.get(a.kind))
                made.append(p)
            seam = seam_metric(ts.albedo, a.tile if a.tile != "none" else "both")
            entry.update(size=list(ts.albedo.size), tile=a.tile, material=ts.material, seam=seam,
                         tileable=bool(a.tile == "none" or seam["ratio"] <= 1.25), normal_convention="opengl")
            thumbs.append((f"{a.id} (2x2)", _tiled(ts.albedo) if a.tile != "none" else ts.albedo))

        elif a.kind == "icon":
            render = max(256, max(a.sizes) * 2)
            subject = gens.subject(a.description, render, aseed, a.style)
            icons = icon_set(subject, a.sizes, rarity=a.rarity, shape=a.shape, pixel_palette=(a.palette if pixel else None))
            for s, img in icons.items():
                p = out / f"{a.id}_{s}.png"
                _save_png(img, p, a, aseed, gens.backends.get(a.kind))
                made.append(p)
            thumbs.append((f"{a.id} icon", icons[max(icons)]))
            entry.update(sizes=sorted(icons), rarity=a.rarity, shape=a.shape, style=a.style)

        else:  # sfx
            sounds = []
            for i in range(a.count):
                s = aseed if a.count == 1 else derive_seed(seed, f"{a.id}#{i + 1}")
                samples, rate, info = gens.sound(a.description, a.sound, s, a.duration)
                stem = a.id if a.count == 1 else f"{a.id}_{i + 1}"
                written = gens.export(samples, rate, out, stem, gens.sidecar(a.description, info, s) if gens.sidecar else None)
                made += [Path(written[k]) for k in sorted(written)]
                st = sfxmod.stats(samples, rate)
                sounds.append({"file": stem, "kind": info.get("kind"), "duration": round(st["duration"], 3),
                               "peak_dbfs": round(sfxmod.db(st["peak"]), 2), "sample_rate": rate,
                               "centroid_hz": round(st["centroid"], 1)})
                thumbs.append((f"{stem} (sound)", _waveform(samples)))
            entry.update(sounds=sounds)

        entry["files"] = [p.name for p in made]
        entry["backend"] = gens.backends.get(a.kind, "")
        if entry["backend"] == "procedural" and a.kind in ("sprite", "animation", "icon"):
            entry["drawn"] = drawn_for(focus_prompt(a.description), subject_only=True)  # what the subject shows
        elif entry["backend"] == "procedural" and a.kind == "texture":
            entry["drawn"] = {"setting": None, "things": [{"word": a.description, "drawn_as": f"texture: {entry.get('material')}",
                                                            "placeholder": False}]}
        files += made
        entries.append(entry)

    atlas_info = None
    if opts.atlas and len(atlas_frames) >= 2:
        paths, atlas_info = write_sheet(out, "atlas", atlas_frames, atlas_anims, opts, pixel_art=atlas_pixel)
        files += paths
    index = {
        "name": spec.name,
        "seed": seed,
        "style": spec.style,
        "assets": entries,
        "atlas": ({"files": ["atlas.png", "atlas.json", "atlas.tres"], **atlas_info} if atlas_info else None),
        "backends": dict(gens.backends),
    }
    preview = _preview(thumbs, spec.name)
    if progress:
        progress(1.0, "done")
    return BuildResult(files, preview, index, thumbs)


def _save_gif(frames: list[Image.Image], path: Path, duration_ms: int) -> None:
    """An animated GIF preview (transparent pixels keyed to palette index 255)."""
    conv = []
    for f in frames:
        rgba = f.convert("RGBA")
        p = rgba.convert("RGB").quantize(colors=255, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
        clear = Image.fromarray(((np.asarray(rgba.getchannel("A")) < 128) * 255).astype(np.uint8))
        p.paste(255, mask=clear)  # palette index 255 is the transparent colour
        p.info["transparency"] = 255
        conv.append(p)
    conv[0].save(path, save_all=True, append_images=conv[1:], duration=duration_ms, loop=0, transparency=255, disposal=2, optimize=False)


def _palette_ramp(palette: np.ndarray, colour: np.ndarray) -> np.ndarray:
    """A dark / mid / light shading ramp for `colour` taken from `palette`: the palette colours
    nearest to the colour darkened, as is, and lightened (at least two distinct colours)."""
    from studio.backends.image.pixelate import _nearest

    targets = np.array([colour * 0.55, colour, colour + (255 - colour) * 0.35])
    idx = [int(i) for i in _nearest(targets, palette)]
    ramp = list(dict.fromkeys(idx))
    if len(ramp) == 1:
        rest = np.array([i for i in range(len(palette)) if i != ramp[0]])
        if len(rest):
            ramp.append(int(rest[_nearest(targets[:1], palette[rest])[0]]))
    return palette[ramp]


def _pixel_texture(ts: Any, grid: tuple[int, int], palette: str, tile: str) -> Any:
    """Reduce a texture set to a pixel-art grid. Albedo: block means; with a fixed palette each
    pixel takes a colour of a 3-step shading ramp (the palette colours nearest the texture's own
    hue), nearest to the contrast-raised colour with ordered (position-based, hence tileable) dithering; with the
    adaptive palette, median-cut colours. Height and roughness: block means; the normal map is
    rebuilt from the reduced height; the wrap seam moves to the quietest column/row."""
    from studio.assets.textures import (
        TextureSet,
        best_wrap_offset,
        normal_map,
        seam_metric,
        to_image,
    )
    from studio.backends.image.pixelate import BAYER4, _nearest, palette_colours, pixelate

    gw, gh = grid
    mean = np.asarray(ts.albedo.convert("RGB").resize((gw, gh), Image.Resampling.BOX), dtype=np.float64)
    if palette == "adaptive":
        small, _ = pixelate(Image.fromarray(mean.astype(np.uint8)).convert("RGBA"), width=gw, height=gh,
                            palette="adaptive", colors=6, method="mean")
        albedo = np.asarray(small.convert("RGB"))
    else:
        centre = mean.reshape(-1, 3).mean(axis=0)
        ramp = _palette_ramp(palette_colours(palette), centre)
        spread = float(np.abs(mean - centre).mean()) or 1.0
        boosted = centre + (mean - centre) * float(np.clip(40.0 / spread, 1.0, 4.0))
        thr = np.tile(BAYER4, (gh // 4 + 1, gw // 4 + 1))[:gh, :gw]
        idx = _nearest(np.clip(boosted + thr[..., None] * 48.0, 0, 255), ramp)
        if np.bincount(idx.ravel(), minlength=len(ramp)).max() > 0.9 * idx.size:
            # the palette is too coarse for this texture's variation: shade by lightness rank
            light = boosted @ np.array([0.299, 0.587, 0.114])
            rank = np.argsort(np.argsort(light.ravel(), kind="stable"), kind="stable").reshape(light.shape) / max(1, light.size - 1)
            cuts = [0.3, 0.75][: len(ramp) - 1] if len(ramp) > 2 else [0.6]
            order = np.argsort(ramp.astype(np.float64) @ np.array([0.299, 0.587, 0.114]))
            idx = order[np.searchsorted(cuts, np.clip(rank + thr * 0.25, 0, 1))]
        albedo = ramp[idx]
    height = np.asarray(ts.height.resize((gw, gh), Image.Resampling.BOX), dtype=np.float64) / 255.0
    rough = np.asarray(ts.roughness.resize((gw, gh), Image.Resampling.BOX))
    for axis, on in ((1, tile in ("x", "both")), (0, tile in ("y", "both"))):
        if on:
            k = best_wrap_offset(albedo.astype(np.float64), axis)
            albedo, height, rough = (np.roll(m, k, axis=axis) for m in (albedo, height, rough))
    img = Image.fromarray(np.ascontiguousarray(albedo).astype(np.uint8))
    normal = to_image(normal_map(height, strength=2.0))
    return TextureSet(img, normal, Image.fromarray(np.ascontiguousarray(rough)), to_image(height),
                      seam_metric(img, tile if tile != "none" else "both"), ts.material)


def _preview(thumbs: list[tuple[str, Image.Image]], title: str) -> Image.Image:

    if not thumbs:
        return Image.new("RGB", (64, 64), (30, 30, 36))
    cols = min(6, max(2, int(np.ceil(np.sqrt(len(thumbs))))))
    return contact_sheet([t for _, t in thumbs], [n for n, _ in thumbs], columns=cols, cell=192, padding=12, title=title)
