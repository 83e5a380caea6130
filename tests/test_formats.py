"""Files other tools read: each format is read back with its consumer's own reader (A1111's
parameter parser, re-implemented below from its documented behaviour; Pillow for PNG chunks;
mido for MIDI; PyAV for the MP4's colour tags; lxml for ComicInfo; jsonschema for manifests)."""

from __future__ import annotations

import io
import json
import re
import struct
import zipfile
from pathlib import Path

import pytest
from PIL import Image

import studio
from studio.export import png as pngx

# -- A1111's parse_generation_parameters (modules/infotext_utils.py), as documented ---------------
# The text is "prompt lines / 'Negative prompt: ...' lines / one last line of 'Key: value' pairs".
# The last line counts as the parameters line only when the pair pattern finds at least 3 pairs in
# it; otherwise it is part of the prompt. Quoted values are JSON strings; "WxH" values split into
# "Key-1" and "Key-2".
_RE_PARAM = re.compile(r'\s*(\w[\w \-/]+):\s*("(?:\\.|[^\\"])+"|[^,]*)(?:,|$)')
_RE_SIZE = re.compile(r"^(\d+)x(\d+)$")


def parse_generation_parameters(x: str) -> dict[str, str]:
    res: dict[str, str] = {}
    prompt = ""
    negative_prompt = ""
    done_with_prompt = False
    *lines, lastline = x.strip().split("\n")
    if len(_RE_PARAM.findall(lastline)) < 3:
        lines.append(lastline)
        lastline = ""
    for line in lines:
        line = line.strip()
        if line.startswith("Negative prompt:"):
            done_with_prompt = True
            line = line[16:].strip()
        if done_with_prompt:
            negative_prompt += ("" if negative_prompt == "" else "\n") + line
        else:
            prompt += ("" if prompt == "" else "\n") + line
    res["Prompt"] = prompt
    res["Negative prompt"] = negative_prompt
    for k, v in _RE_PARAM.findall(lastline):
        if v and v[0] == '"' and v[-1] == '"':
            v = json.loads(v)
        m = _RE_SIZE.match(v)
        if m is not None:
            res[f"{k}-1"] = m.group(1)
            res[f"{k}-2"] = m.group(2)
        else:
            res[k] = v
    return res


def _chunks(data: bytes) -> list[bytes]:
    out, pos = [], 8
    while pos < len(data):
        (n,) = struct.unpack(">I", data[pos : pos + 4])
        out.append(data[pos + 4 : pos + 8])
        pos += 12 + n
    return out


def _engine_png(own: str | None, made_by: dict) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buf, format="PNG")
    return pngx.with_parameters(buf.getvalue(), pngx.provenance_parameters(own, made_by))


MADE_BY = {"studio": "0.1.0", "recipe": "image", "step": "images", "use": "image.generate",
           "backend": "diffusers", "model": "sdxl-turbo", "seed": 7}


def test_a1111_reads_seed_steps_sampler_back():
    text = pngx.a1111_parameters("a knight at dusk, oil painting", "blurry, lowres", steps=4, sampler="Euler a",
                                 guidance=0.0, seed=1234, width=512, height=768, model="stabilityai/sdxl-turbo",
                                 extra={"Note": "a: b, c"})
    data = _engine_png(text, MADE_BY)
    with Image.open(io.BytesIO(data)) as im:
        params, mine = im.text["parameters"], im.text["studio"]
    assert params == text  # A1111's text exactly, nothing appended
    got = parse_generation_parameters(params)
    assert got["Prompt"] == "a knight at dusk, oil painting"
    assert got["Negative prompt"] == "blurry, lowres"
    assert got["Seed"] == "1234" and got["Steps"] == "4" and got["Sampler"] == "Euler a"
    assert got["Size-1"] == "512" and got["Size-2"] == "768" and got["CFG scale"] == "0.0"
    assert got["Model"] == "stabilityai/sdxl-turbo" and got["Note"] == "a: b, c"  # quoted as A1111 quotes
    prov = parse_generation_parameters(mine)
    assert prov["studio"] == "0.1.0" and prov["recipe"] == "image" and prov["backend"] == "diffusers" and prov["seed"] == "7"


def test_non_latin_prompt_is_utf8_itxt():
    text = pngx.a1111_parameters("侍が夕暮れに立つ — Ωmega", "", steps=2, sampler="Euler", guidance=1.0, seed=3,
                                 width=64, height=64, model="m")
    data = _engine_png(text, MADE_BY)
    assert b"?????" not in data
    with Image.open(io.BytesIO(data)) as im:
        assert im.text["parameters"] == text
    assert parse_generation_parameters(pngx.read_texts(data)["parameters"])["Prompt"] == "侍が夕暮れに立つ — Ωmega"


def test_every_png_has_srgb_and_dpi_and_no_parameters_without_its_own():
    data = _engine_png(None, {"studio": "0.1.0", "recipe": "r", "step": "s", "seed": 1})
    kinds = _chunks(data)
    assert kinds[0] == b"IHDR" and b"sRGB" in kinds and b"pHYs" in kinds
    assert kinds.index(b"sRGB") < kinds.index(b"IDAT") and kinds.index(b"pHYs") < kinds.index(b"IDAT")
    with Image.open(io.BytesIO(data)) as im:
        assert "parameters" not in im.text and im.text["studio"].startswith("studio: 0.1.0")
        assert tuple(round(d) for d in im.info["dpi"]) == (72, 72)
        assert im.info.get("srgb") == 0
    # rewriting does not stack chunks
    again = pngx.with_parameters(data, pngx.provenance_parameters(None, {"studio": "0.1.0", "recipe": "r", "step": "s", "seed": 2}))
    assert _chunks(again).count(b"sRGB") == 1 and _chunks(again).count(b"iTXt") == 1
    assert "seed: 2" in pngx.read_texts(again)["studio"]


def test_game_asset_pngs_carry_prompt_seed_backend(tmp_path):
    r = studio.run("game-assets", {"prompts": "red health potion; stone wall texture"}, out=tmp_path / "run")
    pngs = sorted((tmp_path / "run").rglob("*.png"))
    assert pngs
    seen = 0
    for p in pngs:
        data = p.read_bytes()
        assert {b"sRGB", b"pHYs"} <= set(_chunks(data)), p.name
        texts = pngx.read_texts(data)
        assert "studio" in texts, p.name
        if p.name.startswith(("red", "stone")):
            got = parse_generation_parameters(texts["parameters"])
            prov = parse_generation_parameters(texts["studio"])
            assert got["Prompt"] in ("red health potion", "stone wall texture") and got["Seed"].isdigit()
            assert got["Backend"] == prov["backend"] == "procedural" and prov["seed"] == got["Seed"]
            seen += 1
    assert seen >= 2
    assert r.manifest["steps"]


# -- MIDI: sections as marker meta events, loopable=false keeps what it lists ---------------------


def test_midi_sections_are_markers_and_nonloop_audio_keeps_outro(tmp_path):
    mido = pytest.importorskip("mido")
    import soundfile as sf

    r = studio.run("soundtrack", {"prompt": "calm village morning with a flute", "duration": 14, "loopable": False},
                   out=tmp_path / "run")
    mid = mido.MidiFile(r.paths["midi"])
    markers = [(m.text) for t in mid.tracks for m in t if m.type == "marker"]
    texts = [m.text for t in mid.tracks for m in t if m.type == "text"]
    sidecar = json.loads(Path(r.paths["sidecar"]).read_text(encoding="utf-8"))
    names = [s["name"] for s in sidecar["sections"]]
    assert markers == names and "outro" in names and not any(t.startswith("section ") for t in texts)
    info = sf.info(str(r.paths["master"]))
    # the audio holds every listed section: it is as long as the MIDI piece (ending included)
    assert abs(info.frames / info.samplerate - mid.length) < 0.75
    end_of_sections = max(s["end"] for s in sidecar["sections"])
    assert info.frames / info.samplerate >= end_of_sections - 1e-3
    assert sidecar["loop_start"] + sidecar["loop_length"] <= info.frames
    # the loop tags players read (mutagen, as RPG Maker-style players read Vorbis comments)
    mutagen_ogg = pytest.importorskip("mutagen.oggvorbis")
    tags = mutagen_ogg.OggVorbis(r.paths["ogg"])
    assert int(tags["LOOPSTART"][0]) == sidecar["loop_start"] and int(tags["LOOPLENGTH"][0]) == sidecar["loop_length"]
    assert abs(tags.info.length - info.frames / info.samplerate) < 0.05  # the OGG holds the ending too


# -- motion-comic MP4: BT.709 matrix, tagged ---------------------------------------------------------


def test_motion_mp4_is_bt709_and_tagged(tmp_path):
    av = pytest.importorskip("av")
    from studio.comic.motion import render_motion

    path = tmp_path / "red.mp4"
    render_motion([Image.new("RGB", (640, 360), (255, 0, 0))], path, seconds_per_panel=1.0, transition="cut",
                  size=(640, 360), fps=12)
    with av.open(str(path)) as c:
        cc = c.streams.video[0].codec_context
        # AVCOL_SPC_BT709 = AVCOL_PRI_BT709 = AVCOL_TRC_BT709 = 1; AVCOL_RANGE_MPEG (limited) = 1
        assert (int(cc.colorspace), int(cc.color_primaries), int(cc.color_trc), int(cc.color_range)) == (1, 1, 1, 1)
        frame = next(c.decode(video=0))
        y = frame.to_ndarray(format="yuv420p")[180, 320]
        rgb = frame.to_ndarray(format="rgb24")[180, 320]
    # pure red: Y' = 16 + 219 * 0.2126 = 63 with the BT.709 matrix (BT.601 would give 81)
    assert abs(int(y) - 63) <= 1
    assert rgb[0] >= 250 and rgb[1] <= 4 and rgb[2] <= 4


# -- ComicInfo: the v2.0 schema's structure, read with lxml -----------------------------------------

# ComicInfo v2.0 (anansi-project/comicinfo, schema/v2.0/ComicInfo.xsd): the element order of the
# sequence, and the simple types used by the fields studio writes
COMICINFO_V2_ORDER = [
    "Title", "Series", "Number", "Count", "Volume", "AlternateSeries", "AlternateNumber", "AlternateCount",
    "Summary", "Notes", "Year", "Month", "Day", "Writer", "Penciller", "Inker", "Colorist", "Letterer",
    "CoverArtist", "Editor", "Publisher", "Imprint", "Genre", "Web", "PageCount", "LanguageISO", "Format",
    "BlackAndWhite", "Manga", "Characters", "Teams", "Locations", "ScanInformation", "StoryArc", "SeriesGroup",
    "AgeRating", "Pages", "CommunityRating", "MainCharacterOrTeam", "Review",
]
COMICINFO_YESNO = {"Unknown", "No", "Yes"}
COMICINFO_MANGA = {"Unknown", "No", "Yes", "YesAndRightToLeft"}
COMICINFO_PAGE_TYPES = {"FrontCover", "InnerCover", "Roundup", "Story", "Advertisement", "Editorial", "Letters",
                        "Preview", "BackCover", "Other", "Deleted"}


def _check_comicinfo(xml: bytes) -> dict[str, str]:
    etree = pytest.importorskip("lxml.etree")
    root = etree.fromstring(xml)
    assert root.tag == "ComicInfo"
    children = [c.tag for c in root]
    assert all(t in COMICINFO_V2_ORDER for t in children), children
    positions = [COMICINFO_V2_ORDER.index(t) for t in children]
    assert positions == sorted(positions) and len(set(children)) == len(children)  # xs:sequence, each once
    fields = {c.tag: c.text for c in root if c.tag != "Pages"}
    assert int(fields["PageCount"]) >= 1
    assert fields.get("BlackAndWhite", "Unknown") in COMICINFO_YESNO and fields.get("Manga", "Unknown") in COMICINFO_MANGA
    pages = root.find("Pages")
    assert pages is not None and len(pages) == int(fields["PageCount"])
    for i, page in enumerate(pages):
        assert page.tag == "Page" and int(page.get("Image")) == i and page.get("Type") in COMICINFO_PAGE_TYPES
    return fields


def test_cbz_comicinfo_and_pages(tmp_path):
    from studio.engine.artifacts import ImageArtifact
    from studio.export.comic import write_cbz

    engine_page = ImageArtifact(Image.new("RGB", (300, 200), "white")).png_bytes("x" + pngx.SEPARATOR + "studio: 0")
    path = write_cbz([engine_page, Image.new("RGB", (300, 200), "black")], tmp_path / "c.cbz", title="A cat who wants to fly",
                     writer="studio", summary="a cat who wants to fly", language="en")
    with zipfile.ZipFile(path) as zf:
        fields = _check_comicinfo(zf.read("ComicInfo.xml"))
        pages = [zf.read(n) for n in sorted(zf.namelist()) if n.endswith(".png")]
    assert fields["Title"] == "A cat who wants to fly" and fields["Summary"] == "a cat who wants to fly"
    assert fields["Writer"] == "studio" and fields["LanguageISO"] == "en"
    for page in pages:
        assert _chunks(page).count(b"pHYs") == 1 and b"sRGB" in _chunks(page)
        with Image.open(io.BytesIO(page)) as im:
            assert tuple(round(d) for d in im.info["dpi"]) == (150, 150)  # the page DPI, not the default 72


def test_comic_recipes_hand_their_source_to_the_export():
    import yaml

    for name, source in (("comic-from-prompt", "$inputs.prompt"), ("comic-from-video", "$inputs.video"), ("motion-comic", "$inputs.video")):
        doc = yaml.safe_load((Path(studio.__file__).parents[1] / "pipelines" / f"{name}.yaml").read_text(encoding="utf-8"))
        export = next(s for s in doc["steps"] if s["use"] == "comic.export")
        assert export["with"]["source"] == source and export["with"]["title"] == "$inputs.title"


def test_comicinfo_title_input_and_video_name():
    from studio.export.comic import comicinfo_xml
    from studio.steps.comic import ExportParams, _title_and_summary

    assert _title_and_summary(ExportParams(title="My Title", source="a premise"), None) == ("My Title", "a premise")
    assert _title_and_summary(ExportParams(source="/clips/harbour_at_night.mp4"), None) == ("harbour at night", None)
    assert _title_and_summary(ExportParams(), "Banner") == ("Banner", None)
    xml = comicinfo_xml(title="T", page_count=2, writer="studio", summary="S", language="en", rtl=True)
    fields = _check_comicinfo(xml)
    assert fields["Manga"] == "YesAndRightToLeft" and fields["Title"] == "T"


# -- manifest.json: schema_version and the published JSON Schema ----------------------------------


def _simple_validate(value, schema, root, where="$"):
    """A checker for the subset of JSON Schema the manifest schema uses (when jsonschema is absent)."""
    if "$ref" in schema:
        node = root
        for part in schema["$ref"].lstrip("#/").split("/"):
            node = node[part]
        return _simple_validate(value, node, root, where)
    if "anyOf" in schema:
        errors = []
        for sub in schema["anyOf"]:
            try:
                _simple_validate(value, sub, root, where)
                return
            except AssertionError as exc:
                errors.append(str(exc))
        raise AssertionError(f"{where}: matches none of anyOf ({errors})")
    if "const" in schema:
        assert value == schema["const"], f"{where}: {value!r} != {schema['const']!r}"
    types = schema.get("type")
    if types is not None:
        types = [types] if isinstance(types, str) else types
        py = {"object": dict, "array": list, "string": str, "number": (int, float), "integer": int, "boolean": bool, "null": type(None)}
        ok = any(isinstance(value, py[t]) and not (t in ("number", "integer") and isinstance(value, bool)) for t in types)
        assert ok, f"{where}: {type(value).__name__} is not {types}"
    if isinstance(value, str):
        assert len(value) >= schema.get("minLength", 0), f"{where}: too short"
        if "not" in schema and "pattern" in schema["not"]:
            assert not re.search(schema["not"]["pattern"], value), f"{where}: {value!r} matches a forbidden pattern"
    if isinstance(value, (int, float)) and "minimum" in schema:
        assert value >= schema["minimum"], f"{where}: below minimum"
    if isinstance(value, dict):
        for key in schema.get("required", []):
            assert key in value, f"{where}: missing {key!r}"
        props = schema.get("properties", {})
        for key, sub in value.items():
            if key in props:
                _simple_validate(sub, props[key], root, f"{where}.{key}")
            elif isinstance(schema.get("additionalProperties"), dict):
                _simple_validate(sub, schema["additionalProperties"], root, f"{where}.{key}")
    if isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value):
            _simple_validate(item, schema["items"], root, f"{where}[{i}]")


def _validate_manifest(manifest: dict) -> None:
    from importlib.resources import files

    schema = json.loads((files("studio") / "data" / "manifest.schema.json").read_text(encoding="utf-8"))
    try:
        import jsonschema
    except ImportError:
        _simple_validate(manifest, schema, schema)
        return
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.Draft202012Validator(schema).validate(manifest)
    _simple_validate(manifest, schema, schema)  # the fallback agrees


def test_manifest_has_schema_version_and_matches_the_published_schema(tmp_path):
    r = studio.run("game-assets", {"prompts": "coin pickup; coin pickup sound"}, out=tmp_path / "run")
    on_disk = json.loads((tmp_path / "run" / "manifest.json").read_text(encoding="utf-8"))
    assert on_disk["schema_version"] == 1 and r.manifest["schema_version"] == 1
    _validate_manifest(on_disk)
    bad = {**on_disk, "outputs": {"x": "../../escape.png"}}
    try:
        from jsonschema import ValidationError
        invalid: tuple[type[Exception], ...] = (AssertionError, ValidationError)
    except ImportError:
        invalid = (AssertionError,)
    with pytest.raises(invalid, match="escape|not valid|anyOf"):
        _validate_manifest(bad)
    with pytest.raises(invalid, match="schema_version"):
        _validate_manifest({k: v for k, v in on_disk.items() if k != "schema_version"})


# -- terminal noise: one short line per missing model per run ------------------------------------


def test_missing_model_warnings_are_one_short_line_per_model():
    from studio.engine.progress import Event
    from studio.progress_view import ProgressView, short_warning

    hint = ("model 'sdxl-turbo' is not available locally (stabilityai/sdxl-turbo is not in the Hugging Face cache and "
            "downloads are off); run `studio models pull sdxl-turbo` on a machine with internet, or pass a local folder "
            "or .safetensors file")
    key, line = short_warning("images", hint + "; drawing with the built-in procedural generator instead (backend: procedural to silence this)")
    assert key == "model:sdxl-turbo" and len(line) <= 110 and "studio models" in line and "procedural generator" in line
    assert short_warning("panels", "asked for 6 panels") == ("panels: asked for 6 panels", "panels: asked for 6 panels")
    printed: list[str] = []
    view = ProgressView(enabled=False)
    view.plain = True
    view._print = printed.append  # type: ignore[method-assign]
    view(Event("warning", step_id="restyle", message=hint + "; using the built-in comic stylizer (american-comic) instead"))
    view(Event("warning", step_id="images", message=hint + "; drawing with the built-in procedural generator instead"))
    assert len(printed) == 1 and printed[0].startswith("warning: restyle: sdxl-turbo not downloaded: using the built-in comic stylizer")
    manifest = {"warnings": [f"restyle: {hint}; using X instead", f"images: {hint}; drawing Y instead", "music: other"]}
    assert view.unshown_warnings(manifest) == ["music: other"]


def test_rays_token_notice_is_dropped_and_the_disabled_warning_kept():
    import logging

    from studio.batch._ray import quiet_token_notice

    quiet_token_notice()
    quiet_token_notice()  # once
    log = logging.getLogger("ray._private.authentication.authentication_token_setup")
    assert len(log.filters) == 1
    enabled = log.makeRecord(log.name, logging.WARNING, __file__, 1, "Token authentication is enabled for this Ray cluster. Set ...", (), None)
    disabled = log.makeRecord(log.name, logging.WARNING, __file__, 1, "Token authentication is disabled for this Ray cluster. ...", (), None)
    assert not log.filter(enabled) and log.filter(disabled)


# -- pip install . without tinysoundfont: midirenderer renders the soundfont -------------------------


def test_soundfont_renders_without_tinysoundfont(monkeypatch):
    pytest.importorskip("midirenderer")
    import sys

    import numpy as np

    from studio.backends.audio.music import synth
    from studio.backends.audio.music.composer import compose, to_pretty_midi
    from studio.backends.audio.music.style import infer_style

    monkeypatch.setitem(sys.modules, "tinysoundfont", None)  # `import tinysoundfont` raises ImportError
    assert synth.renderer() == "midirenderer"
    rng = np.random.default_rng(0)
    comp = compose(infer_style("calm village morning with a flute", rng=rng), 6.0, rng=rng, loopable=False, bpm_fixed=False)
    pm = to_pretty_midi(comp, humanize_rng=np.random.default_rng(1))
    r = synth.render(comp, pm, sample_rate=22050)
    assert r.info["renderer"] == "midirenderer" and r.mix.shape == (round(comp.duration * 22050), 2)
    playing = [(name, inst) for name, inst in zip(r.stems, pm.instruments) if inst.notes]
    assert len(playing) >= 3 and any(inst.is_drum for _, inst in playing)
    assert all(float(np.abs(r.stems[name]).max()) > 1e-3 for name, _ in playing)  # every track with notes sounds
    assert np.max(np.abs(sum(r.stems.values()) - r.mix)) < 1e-5
    assert 0.5 < float(np.abs(r.mix).max()) <= 1.0


def test_png_texts_are_idempotent_in_chunk_order():
    """A PNG that already carries studio's chunks (a cached artifact saved again, a batch worker's
    copy) comes out byte for byte as a fresh one: texts stay before the first IDAT."""
    import io

    from PIL import Image

    from studio.export.png import png_with_texts

    buf = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buf, format="PNG")
    texts = {"parameters": ("a red square", False), "studio": ("studio: test, step: x", True)}
    once = png_with_texts(buf.getvalue(), texts)
    assert png_with_texts(once, texts) == once
    im = Image.open(io.BytesIO(once))
    assert im.info["parameters"] == "a red square" and im.info["studio"].startswith("studio: test")
