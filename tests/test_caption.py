"""image.caption: a tiny BLIP built in code and loaded through the model manager, the honest
fallback describer on real frames, and subtitle precedence."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

import studio
from studio.backends.image import describe as dsc
from studio.engine import ImageArtifact, ModelNotAvailableError, Pipeline, StepContext, get_step


def _frame(path, t: float) -> Image.Image:
    """The decoded frame nearest to `t` seconds (PyAV)."""
    import av

    with av.open(str(path)) as c:
        best = None
        for f in c.decode(c.streams.video[0]):
            if best is None or abs(f.time - t) < abs(best.time - t):
                best = f
            if f.time > t + 0.5:
                break
        return best.to_image()


def _run_step(tmp_path, images, **params):
    step = get_step("image.caption")
    ctx = StepContext(step_id="caption", use="image.caption", seed=0, workdir=tmp_path)
    out = step.run(ctx, {"images": images}, step.Params(**params))
    return out, ctx.report_data


# -- fallback describer on real frames (checked by eye: see docs/words.md) --------------------


@pytest.mark.media
@pytest.mark.parametrize(
    "video, t, faces",
    [
        ("chaplin.mp4", 4.0, 1),  # Chaplin facing the camera
        ("chaplin.mp4", 8.0, 1),  # Chaplin, hand at his chin
        ("chaplin.mp4", 2.0, 0),  # both men turned away / in profile: nothing claimed
        ("testvideo.mp4", 9.0, 0),  # a deer among trees
        ("testvideo.mp4", 20.0, 0),  # woven texture (a false positive of the first cascade)
        ("timecode_pattern.mp4", 3.0, 0),  # colour bars
    ],
)
def test_faces_counted_only_where_there_are_faces(testdata, video, t, faces):
    img = _frame(testdata / "video" / video, t)
    found = dsc.detect_faces(img)
    assert len(found) == faces, found
    d = dsc.describe_image(img, faces=found)
    if faces:
        assert "one face" in d.text
    else:
        assert "face" not in d.text


@pytest.mark.media
def test_face_boxes_lie_on_the_face(testdata):
    (x, y, w, h), = dsc.detect_faces(_frame(testdata / "video" / "chaplin.mp4", 4.0))
    # Chaplin's head is in the upper middle of the 640x360 frame
    assert 300 < x + w / 2 < 420 and 30 < y + h / 2 < 110 and 30 < w < 80


@pytest.mark.media
def test_colours_and_light_are_plausible(testdata):
    chaplin = dsc.describe_image(_frame(testdata / "video" / "chaplin.mp4", 2.0), detect=False)
    assert chaplin.monochrome and "black-and-white" in chaplin.text
    assert set(chaplin.colours) <= {"black", "grey", "white"}
    deer = dsc.describe_image(_frame(testdata / "video" / "testvideo.mp4", 9.0), detect=False)
    assert not deer.monochrome and "green" in deer.colours
    bars = dsc.describe_image(_frame(testdata / "video" / "timecode_pattern.mp4", 3.0), detect=False)
    assert not bars.monochrome and not bars.uniform
    black = dsc.describe_image(_frame(testdata / "video" / "testvideo.mp4", 0.5), detect=False)
    assert black.uniform and black.text == "A plain, almost uniform black frame."
    assert black.tone == "very dark"


def test_describe_synthetic_images():
    red = dsc.describe_image(Image.new("RGB", (64, 48), (200, 20, 20)))
    assert red.uniform and red.colours == ["red"] and red.faces == []
    split = Image.new("RGB", (64, 48), (20, 40, 200))
    split.paste((250, 250, 250), (0, 0, 32, 48))
    d = dsc.describe_image(split)
    assert set(d.colours) == {"blue", "white"} and "face" not in d.text
    # faces given by an earlier step replace detection; unconfirmed ones are dropped
    d = dsc.describe_image(split, faces=[[1, 2, 10, 10], [20, 2, 10, 10]], confirm=False)
    assert "two faces" in d.text
    d = dsc.describe_image(split, faces=[[1, 2, 10, 10], [20, 2, 10, 10]])
    assert d.faces == [] and "face" not in d.text


@pytest.mark.media
def test_faces_from_an_earlier_step_are_confirmed(testdata):
    chaplin = _frame(testdata / "video" / "chaplin.mp4", 4.0)
    real = dsc.detect_faces(chaplin)
    head_from_behind = [148, 38, 78, 78]  # what the default cascade alone reports at 0.5 s
    assert dsc.confirm_faces(chaplin, real + [head_from_behind]) == real
    texture = _frame(testdata / "video" / "testvideo.mp4", 20.0)
    assert dsc.confirm_faces(texture, [[692, 320, 166, 166]]) == []


def test_faces_come_from_opencvs_bundled_cascades():
    import cv2

    from studio.backends.image import faces

    assert hasattr(cv2, "CascadeClassifier") and not faces._cascade(faces.DEFAULT_CASCADE).empty()
    assert not faces._cascade(faces.VERIFY_CASCADE).empty()


# -- the step's fallback ---------------------------------------------------------------------


def test_subtitles_take_precedence_then_describe(tmp_path):
    noise = Image.fromarray(np.random.default_rng(0).integers(0, 255, (48, 64, 3), dtype=np.uint8))
    images = [
        ImageArtifact(noise, meta={"time": 1.5, "subtitles": ["Where are you going?", "Home."]}, name="kf_000"),
        ImageArtifact(Image.new("RGB", (64, 48), "navy"), meta={"time": 4.0, "subtitles": []}, name="kf_001"),
        ImageArtifact(noise, meta={"time": 7.25, "faces": [[5, 5, 20, 20]]}, name="kf_002"),  # not a face
    ]
    out, report = _run_step(tmp_path, images, backend="describe")
    texts, passed = out["texts"], out["images"]
    assert [t.text for t in texts][0] == "Where are you going? Home."
    assert [t.meta["source"] for t in texts] == ["subtitles", "describe", "describe"]
    assert [t.meta["time"] for t in texts] == [1.5, 4.0, 7.25]
    assert texts[1].text == "A plain, almost uniform blue frame."
    assert "face" not in texts[2].text and texts[2].meta["faces"] == []
    assert [p.meta["caption"] for p in passed] == [t.text for t in texts]
    assert passed[0].meta["subtitles"] == ["Where are you going?", "Home."] and passed[0].name == "kf_000"
    assert report.backend == "subtitles+describe" and report.info["sources"] == {"subtitles": 1, "describe": 2}
    out, _ = _run_step(tmp_path, images, backend="describe", use_subtitles=False)
    assert out["texts"][0].meta["source"] == "describe"


def test_auto_without_weights_warns_and_labels(tmp_path):
    p = Pipeline("cap")
    folder = tmp_path / "imgs"
    folder.mkdir()
    Image.new("RGB", (32, 32), "yellow").save(folder / "a.png")
    Image.new("RGB", (32, 32), "black").save(folder / "b.png")
    load = p.step("image.load", id="load", path=str(folder))
    p.step("image.caption", id="cap", images=load.images)
    p.output("captions", "$cap.texts")
    r = studio.run(p, out=tmp_path / "run")
    rec = [s for s in r.manifest["steps"] if s["id"] == "cap"][0]
    assert rec["backend"] == "describe" and rec["info"]["fallback"] is True
    assert any("not available locally" in w for w in rec["warnings"])
    assert [t.text for t in r.outputs["captions"]] == ["A plain, almost uniform yellow frame.", "A plain, almost uniform black frame."]
    with pytest.raises(ModelNotAvailableError, match="studio models pull"):
        _run_step(tmp_path, [ImageArtifact(Image.new("RGB", (8, 8)))], backend="transformers")


# -- tiny BLIP through the model manager ------------------------------------------------------


@pytest.fixture(scope="module")
def tiny_blip(tmp_path_factory):
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    words = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "[DEC]"] + ["a", "the", "cat", "dog", "red", "blue", "man", "woman", "sky", "runs", "sits", "on", "in", "with", "of", "picture", "photo"]
    tok = transformers.BertTokenizer(vocab={w: i for i, w in enumerate(words)}, model_max_length=32)
    tok.add_special_tokens({"bos_token": "[DEC]"})
    proc = transformers.BlipProcessor(image_processor=transformers.BlipImageProcessorPil(size={"height": 32, "width": 32}), tokenizer=tok)
    cfg = transformers.BlipConfig(
        text_config=dict(vocab_size=len(words), hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=64,
                         max_position_embeddings=64, bos_token_id=5, pad_token_id=0, sep_token_id=3, eos_token_id=3),
        vision_config=dict(hidden_size=32, num_hidden_layers=1, num_attention_heads=2, intermediate_size=64, image_size=32, patch_size=8),
        projection_dim=16,
    )
    torch.manual_seed(0)
    model = transformers.BlipForConditionalGeneration(cfg).eval()
    with torch.no_grad():  # stronger image-dependent weights, so different images get different words
        for name, prm in model.named_parameters():
            if "vision" in name or "crossattention" in name:
                prm.normal_(0, 0.2)
    folder = tmp_path_factory.mktemp("tiny-blip")
    model.save_pretrained(folder)
    proc.save_pretrained(folder)
    return folder


def _colour_images():
    return [Image.new("RGB", (40, 30), c) for c in ("red", "blue", "green", "white")]


def test_tiny_blip_loads_once_and_captions_in_order(tiny_blip):
    from studio.backends.image.captioner import caption_images
    from studio.models.loaders.transformers import load_captioner
    from studio.models.manager import manager

    resolved = manager.resolve(str(tiny_blip), task="image-captioning")
    assert resolved.available and resolved.source == "local-path"
    before = manager.load_count
    cap = load_captioner(resolved, device="cpu")
    assert load_captioner(resolved, device="cpu") is cap and manager.load_count == before + 1
    assert cap.style == "plain" and type(cap.model).__name__ == "BlipForConditionalGeneration"
    images = _colour_images()
    batched = caption_images(cap, images, max_new_tokens=6, min_new_tokens=3, batch_size=3)
    one_by_one = [caption_images(cap, [im], max_new_tokens=6, min_new_tokens=3)[0] for im in images]
    assert batched == one_by_one, "captions must come back per image, in order"
    assert len(batched) == 4 and all(c and c.endswith(".") for c in batched)
    assert len(set(batched)) > 1, batched
    assert caption_images(cap, images, max_new_tokens=6, min_new_tokens=3, batch_size=2) == batched  # deterministic


def test_step_with_tiny_blip(tiny_blip, tmp_path):
    images = [ImageArtifact(im, meta={"time": float(i), "subtitles": ["ignored by a model"]}, name=f"kf_{i}") for i, im in enumerate(_colour_images())]
    out, report = _run_step(tmp_path, images, model=str(tiny_blip), max_new_tokens=6, min_new_tokens=3, batch_size=2, device="cpu")
    texts = out["texts"]
    assert [t.meta["source"] for t in texts] == ["model"] * 4
    assert [t.meta["time"] for t in texts] == [0.0, 1.0, 2.0, 3.0]
    assert [im.meta["caption"] for im in out["images"]] == [t.text for t in texts]
    assert report.backend == "transformers" and report.model == str(tiny_blip)
    step = get_step("image.caption")
    extra = step.cache_extra(step.Params(model=str(tiny_blip)))
    assert extra["backend"] == "transformers" and extra["model_path"] == str(tiny_blip.resolve())
    assert step.cache_extra(step.Params())["backend"] == "describe"


# -- a tiny chat VLM (LLaVA layout) for the instruction / chat-template path ------------------

LLAVA_CHAT = (
    "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{% for c in m['content'] %}{% if c['type'] == 'image' %}<image>"
    "{% else %}{{ c['text'] }}{% endif %}{% endfor %}<|im_end|>\n{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)


@pytest.fixture(scope="module")
def tiny_llava(tmp_path_factory):
    torch = pytest.importorskip("torch")
    T = pytest.importorskip("transformers")
    from tokenizers import Tokenizer, decoders, models
    from tokenizers.pre_tokenizers import ByteLevel

    tk = Tokenizer(models.BPE(vocab={c: i for i, c in enumerate(sorted(ByteLevel.alphabet()))}, merges=[]))
    tk.pre_tokenizer = ByteLevel(add_prefix_space=False)
    tk.decoder = decoders.ByteLevel()
    tok = T.PreTrainedTokenizerFast(tokenizer_object=tk, model_max_length=4096)
    tok.add_special_tokens({"eos_token": "<|im_end|>", "pad_token": "<|endoftext|>", "additional_special_tokens": ["<|im_start|>", "<image>"]})
    ip = T.CLIPImageProcessorPil(size={"shortest_edge": 32}, crop_size={"height": 32, "width": 32})
    proc = T.LlavaProcessor(image_processor=ip, tokenizer=tok, patch_size=8, vision_feature_select_strategy="default",
                            chat_template=LLAVA_CHAT, num_additional_image_tokens=1)
    cfg = T.LlavaConfig(
        vision_config=T.CLIPVisionConfig(hidden_size=16, intermediate_size=32, num_hidden_layers=2, num_attention_heads=2, image_size=32, patch_size=8),
        text_config=T.LlamaConfig(vocab_size=len(tok), hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4,
                                  num_key_value_heads=2, max_position_embeddings=4096, eos_token_id=tok.eos_token_id,
                                  pad_token_id=tok.pad_token_id, bos_token_id=tok.pad_token_id),
        image_token_id=tok.convert_tokens_to_ids("<image>"), vision_feature_layer=-1, vision_feature_select_strategy="default",
    )
    torch.manual_seed(0)
    model = T.LlavaForConditionalGeneration(cfg).eval()
    with torch.no_grad():
        for name, prm in model.named_parameters():
            if "vision" in name or "projector" in name:
                prm.normal_(0, 0.3)
    folder = tmp_path_factory.mktemp("tiny-llava")
    model.save_pretrained(folder)
    proc.save_pretrained(folder)
    return folder


def test_tiny_chat_vlm_follows_the_chat_path(tiny_llava):
    from studio.backends.image.captioner import caption_images
    from studio.models.loaders.transformers import load_captioner
    from studio.models.manager import manager

    cap = load_captioner(manager.resolve(str(tiny_llava), task="image-captioning"), device="cpu")
    assert cap.style == "chat" and cap.processor.tokenizer.padding_side == "left"
    images = _colour_images()
    kw = {"instruction": "Describe the action in one sentence.", "max_new_tokens": 8, "min_new_tokens": 4}
    batched = caption_images(cap, images, batch_size=4, **kw)
    assert batched == [caption_images(cap, [im], **kw)[0] for im in images], "left-padded batches must match single images"
    assert batched == caption_images(cap, images, batch_size=3, **kw)
    assert all(batched), batched
    for c in batched:
        assert "Describe the action" not in c and "assistant" not in c  # the prompt is cut off
        assert all(ch.isprintable() for ch in c)
