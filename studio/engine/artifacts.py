"""Typed values that flow between steps.

Every artifact can save itself to a run folder, store/load itself in the cache, and give a content
hash that the cache keys on. Artifacts carry a free-form `meta` dict (for example a keyframe's time
or the subtitles attached to it) that travels with the value and is part of its hash.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import shutil
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from studio.engine.errors import InputError

log = logging.getLogger("studio")


def _json_default(obj: Any) -> Any:
    if isinstance(obj, Path):
        return str(obj)
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, (set, tuple)):
        return list(obj)
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")


def canonical_json(obj: Any) -> str:
    """JSON with sorted keys and no whitespace: stable input for hashes."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), default=_json_default, ensure_ascii=False)


def hash_bytes(*parts: bytes | str) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode("utf-8") if isinstance(part, str) else part)
        h.update(b"\x00")
    return h.hexdigest()


_FILE_HASHES: dict[tuple[str, int, int, int, int], str] = {}
#: where digests of input files are remembered across processes (set by the executor to a folder
#: of the step cache; None: only within this process)
_DIGEST_DIR: Path | None = None
#: a file modified less than this long before it is hashed may still be changing in the same
#: clock tick: its digest is not remembered on disk (the "racy" rule of git's index)
RACY_NS = 2_000_000_000


def remember_file_digests(folder: str | Path | None) -> None:
    """Keep digests of hashed files in `folder`, so a later process does not read a large input
    (a feature-length video) again to find that it is unchanged. An entry is keyed by the file's
    resolved path, device, inode, size and modification time in ns, and is only written for a file
    last modified more than RACY_NS ago. A file rewritten with the same size and the same
    modification time (set back on purpose) would be taken as unchanged, as make and git take it."""
    global _DIGEST_DIR
    _DIGEST_DIR = Path(folder) if folder is not None else None


def hash_file(path: Path) -> str:
    """sha256 of a file's bytes, memoised per (path, device, inode, size, mtime) within the process
    and, after `remember_file_digests`, across processes."""
    st = path.stat()
    key = (str(path.resolve()), st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)
    cached = _FILE_HASHES.get(key)
    if cached:
        return cached
    memo = _DIGEST_DIR / hash_bytes(canonical_json(list(key)))[:40] if _DIGEST_DIR is not None else None
    if memo is not None:
        try:
            known = memo.read_text(encoding="ascii").strip()
        except (OSError, UnicodeDecodeError):
            known = ""
        if len(known) == 64 and all(c in "0123456789abcdef" for c in known):
            _FILE_HASHES[key] = known
            return known
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    digest = h.hexdigest()
    _FILE_HASHES[key] = digest
    if memo is not None and time.time_ns() - st.st_mtime_ns > RACY_NS:
        _write_memo(memo, digest)
    return digest


def _write_memo(memo: Path, digest: str) -> None:
    tmp = memo.with_name(f".{memo.name}.{uuid.uuid4().hex[:8]}")
    try:
        memo.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(digest, encoding="ascii")
        os.replace(tmp, memo)
    except OSError as exc:  # a read-only cache: the digest is just not remembered
        log.debug("could not remember a file digest in %s: %s", memo.parent, exc)
        tmp.unlink(missing_ok=True)


class Artifact:
    """Base class. Subclasses define `kind`, `extension`, hashing and (de)serialisation."""

    kind: ClassVar[str] = "artifact"
    extension: ClassVar[str] = ""

    def __init__(self, *, meta: dict[str, Any] | None = None, name: str | None = None):
        self.meta: dict[str, Any] = dict(meta or {})
        #: a filename stem hint used when the artifact is saved inside a list output
        self.name = name
        #: the payload digest, known without reading the payload when loaded from the cache
        self._digest: str | None = None

    # -- identity -------------------------------------------------------------------------
    def _payload_hash(self) -> str:
        raise NotImplementedError

    def payload_digest(self) -> str:
        """Hash of the payload (pixels, samples, bytes). Artifacts are immutable values: steps
        make new artifacts instead of changing the payload of the ones they are given."""
        return self._digest if self._digest is not None else self._payload_hash()

    def content_hash(self) -> str:
        return hash_bytes(self.kind, self.payload_digest(), canonical_json(self.meta))

    # -- run folder -----------------------------------------------------------------------
    def save(self, path: Path, **options: Any) -> Path:
        """Write the artifact to `path` (its extension added if missing); return the path."""
        raise NotImplementedError

    def default_filename(self, stem: str) -> str:
        return stem + self.extension

    # -- cache ----------------------------------------------------------------------------
    def dump(self, folder: Path, key: str) -> dict[str, Any]:
        """Store in a cache entry folder; return a JSON spec `load` can read back."""
        path = self.save(folder / (key + self.extension))
        return {"kind": self.kind, "file": path.name, "meta": self.meta, "name": self.name}

    @classmethod
    def load(cls, folder: Path, spec: dict[str, Any]) -> Artifact:
        raise NotImplementedError

    def describe(self) -> str:
        return self.kind

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.describe()}>"


#: zlib level for PNGs: 1 encodes about 2x faster than 4 for files about 8% larger
PNG_COMPRESS_LEVEL = 1

# Text in PNGs is a hook: the engine encodes pixels and knows no text format. The package installs
# the writer and the provenance formatter (studio.export.png.install, when it loads its builtin
# steps); until then PNGs are written as encoded.
_png_text_writer: Callable[[bytes, str | None], bytes] | None = None
_provenance_text: Callable[[str | None, dict[str, Any]], str] | None = None


def set_png_text(writer: Callable[[bytes, str | None], bytes] | None,
                 provenance: Callable[[str | None, dict[str, Any]], str] | None) -> None:
    """Install how PNGs carry text: `writer(png, text)` -> the PNG bytes carrying `text` (None: no
    text); `provenance(own, made_by)` -> the text of an image saved into a run folder, from its
    own `parameters` meta and what made it (studio version, recipe, step, use, backend, model, seed)."""
    global _png_text_writer, _provenance_text
    _png_text_writer, _provenance_text = writer, provenance


def provenance_text(own: str | None, made_by: dict[str, Any]) -> str | None:
    """The text an image saved into a run folder carries (None: no formatter installed)."""
    return _provenance_text(own, made_by) if _provenance_text is not None else None


class ImageArtifact(Artifact):
    """A raster image (Pillow). PNG in the run folder, carrying its `parameters` text (see set_png_text)."""

    kind = "image"
    extension = ".png"

    def __init__(self, image: Any, *, meta: dict[str, Any] | None = None, name: str | None = None):
        super().__init__(meta=meta, name=name)
        self._image = image
        #: a PNG holding exactly these pixels (set when loaded from the cache); lets the image
        #: be decoded only when a step reads it, and saved by copying
        self._png: Path | None = None

    @property
    def image(self) -> Any:
        if self._image is None:
            from PIL import Image

            assert self._png is not None
            with Image.open(self._png) as im:
                im.load()
                self._image = im.copy()
        return self._image

    @image.setter
    def image(self, value: Any) -> None:
        self._image = value
        self._png = None
        self._digest = None

    def with_meta(self, meta: dict[str, Any], *, name: str | None = None) -> ImageArtifact:
        """The same pixels with other meta: shares the decoded image, its PNG and its digest, so
        passing an image through a step costs no re-encoding or re-hashing."""
        out = ImageArtifact(self._image, meta=meta, name=self.name if name is None else name)
        out._png, out._digest = self._png, self._digest
        return out

    def _header(self) -> tuple[tuple[int, int], str]:
        """(size, mode), from the PNG's header when the pixels are not decoded yet."""
        if self._image is None and self._png is not None:
            from PIL import Image

            with Image.open(self._png) as im:
                return im.size, im.mode
        return self.image.size, self.image.mode

    @property
    def size(self) -> tuple[int, int]:
        return self._header()[0]

    def _payload_hash(self) -> str:
        img = self.image
        return hash_bytes(img.mode, f"{img.size[0]}x{img.size[1]}", img.tobytes())

    def save(self, path: Path, *, parameters: str | None = None, **options: Any) -> Path:
        path = Path(path)
        if path.suffix.lower() != ".png":
            path = path.with_name(path.name + ".png")
        text = parameters if parameters is not None else self.meta.get("parameters")
        path.write_bytes(self.png_bytes(str(text) if text else None))
        return path

    def png_bytes(self, parameters: str | None = None) -> bytes:
        """The pixels as PNG, with `parameters` as its text chunk (None: no text). The same
        pixels always give the same bytes: a PNG kept in the cache is copied, not re-encoded."""
        from PIL import PngImagePlugin

        if self._png is not None and self._png.is_file():
            data = self._png.read_bytes()  # same pixels, same encoder: copy instead of re-encoding
        else:
            buf = io.BytesIO()
            self.image.save(buf, format="PNG", pnginfo=PngImagePlugin.PngInfo(), compress_level=PNG_COMPRESS_LEVEL)
            data = buf.getvalue()
        return _png_text_writer(data, parameters) if _png_text_writer is not None else data

    @property
    def mode(self) -> str:
        return self._header()[1]

    @classmethod
    def load(cls, folder: Path, spec: dict[str, Any]) -> ImageArtifact:
        art = cls(None, meta=spec.get("meta"), name=spec.get("name"))
        art._png = folder / spec["file"]
        if "digest" not in spec:  # entries from before digests were stored: decode now
            art.image  # noqa: B018
        return art

    @classmethod
    def from_path(cls, path: Path) -> ImageArtifact:
        from PIL import Image, ImageOps, UnidentifiedImageError


        path = Path(path)
        try:
            with Image.open(path) as im:
                im.load()
                img = ImageOps.exif_transpose(im)
                if img.mode not in ("RGB", "RGBA", "L", "LA"):
                    img = img.convert("RGBA" if "A" in img.getbands() else "RGB")
        except FileNotFoundError:
            raise InputError(f"{path}: no such file") from None
        except (UnidentifiedImageError, OSError) as exc:
            raise InputError(f"{path}: not a readable image ({exc})") from None
        return cls(img, meta={"source": str(path)}, name=path.stem)

    def describe(self) -> str:
        return f"{self.image.size[0]}x{self.image.size[1]} {self.image.mode}"


class TextArtifact(Artifact):
    """A piece of text (a caption, a prompt, a script line)."""

    kind = "text"
    extension = ".txt"

    def __init__(self, text: str, *, meta: dict[str, Any] | None = None, name: str | None = None):
        super().__init__(meta=meta, name=name)
        self.text = str(text)

    def _payload_hash(self) -> str:
        return hash_bytes(self.text)

    def save(self, path: Path, **options: Any) -> Path:
        path = Path(path)
        if not path.suffix:
            path = path.with_suffix(".txt")
        path.write_text(self.text + ("\n" if not self.text.endswith("\n") else ""), encoding="utf-8")
        return path

    def dump(self, folder: Path, key: str) -> dict[str, Any]:
        return {"kind": self.kind, "text": self.text, "meta": self.meta, "name": self.name}

    @classmethod
    def load(cls, folder: Path, spec: dict[str, Any]) -> TextArtifact:
        return cls(spec["text"], meta=spec.get("meta"), name=spec.get("name"))

    def __str__(self) -> str:
        return self.text

    def describe(self) -> str:
        short = self.text if len(self.text) < 40 else self.text[:37] + "..."
        return repr(short)


class DataArtifact(Artifact):
    """JSON-like structured data (a scene list, a story script, an atlas)."""

    kind = "data"
    extension = ".json"

    def __init__(self, data: Any, *, meta: dict[str, Any] | None = None, name: str | None = None):
        super().__init__(meta=meta, name=name)
        self.data = json.loads(canonical_json(data))

    def _payload_hash(self) -> str:
        return hash_bytes(canonical_json(self.data))

    def save(self, path: Path, **options: Any) -> Path:
        path = Path(path)
        if not path.suffix:
            path = path.with_suffix(".json")
        path.write_text(json.dumps(self.data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        return path

    def dump(self, folder: Path, key: str) -> dict[str, Any]:
        return {"kind": self.kind, "data": self.data, "meta": self.meta, "name": self.name}

    @classmethod
    def load(cls, folder: Path, spec: dict[str, Any]) -> DataArtifact:
        return cls(spec["data"], meta=spec.get("meta"), name=spec.get("name"))


class AudioArtifact(Artifact):
    """Audio samples as float32 in [-1, 1], shape (frames,) or (frames, channels)."""

    kind = "audio"
    extension = ".wav"

    def __init__(
        self,
        samples: np.ndarray,
        sample_rate: int,
        *,
        meta: dict[str, Any] | None = None,
        name: str | None = None,
    ):
        super().__init__(meta=meta, name=name)
        self._samples = None if samples is None else np.ascontiguousarray(samples, dtype=np.float32)
        self._npy: Path | None = None
        self.sample_rate = int(sample_rate)

    @property
    def samples(self) -> np.ndarray:
        if self._samples is None:
            assert self._npy is not None
            self._samples = np.load(self._npy, allow_pickle=False)
        return self._samples

    @samples.setter
    def samples(self, value: np.ndarray) -> None:
        self._samples = np.ascontiguousarray(value, dtype=np.float32)
        self._npy = None
        self._digest = None

    @property
    def duration(self) -> float:
        return self.samples.shape[0] / float(self.sample_rate)

    @property
    def channels(self) -> int:
        return 1 if self.samples.ndim == 1 else int(self.samples.shape[1])

    def _payload_hash(self) -> str:
        return hash_bytes(str(self.sample_rate), str(self.samples.shape), self.samples.tobytes())

    def save(self, path: Path, *, subtype: str = "PCM_16", **options: Any) -> Path:
        import soundfile as sf

        path = Path(path)
        if not path.suffix:
            path = path.with_suffix(".wav")
        sf.write(str(path), np.clip(self.samples, -1.0, 1.0), self.sample_rate, subtype=subtype)
        return path

    def dump(self, folder: Path, key: str) -> dict[str, Any]:
        buf = io.BytesIO()
        np.save(buf, self.samples, allow_pickle=False)
        (folder / f"{key}.npy").write_bytes(buf.getvalue())
        return {
            "kind": self.kind,
            "file": f"{key}.npy",
            "sample_rate": self.sample_rate,
            "meta": self.meta,
            "name": self.name,
        }

    @classmethod
    def load(cls, folder: Path, spec: dict[str, Any]) -> AudioArtifact:
        art = cls(None, spec["sample_rate"], meta=spec.get("meta"), name=spec.get("name"))  # type: ignore[arg-type]
        art._npy = folder / spec["file"]
        return art

    @classmethod
    def from_path(cls, path: Path) -> AudioArtifact:
        import soundfile as sf


        path = Path(path)
        if not path.is_file():
            raise InputError(f"{path}: no such file")
        try:
            data, sr = sf.read(str(path), dtype="float32", always_2d=False)
        except (RuntimeError, sf.LibsndfileError) as exc:
            raise InputError(f"{path}: not a readable audio file ({exc})") from None
        return cls(data, sr, meta={"source": str(path)}, name=path.stem)

    def describe(self) -> str:
        return f"{self.duration:.2f}s {self.sample_rate}Hz x{self.channels}"


class FileArtifact(Artifact):
    """A file on disk (a video, a PDF, a CBZ, a MIDI file, an atlas...). Hashed by content."""

    kind = "file"

    def __init__(self, path: str | Path, *, meta: dict[str, Any] | None = None, name: str | None = None):
        self.path = Path(path)
        super().__init__(meta=meta, name=name or self.path.name)

    @property
    def suffix(self) -> str:
        return self.path.suffix

    def _payload_hash(self) -> str:
        return hash_file(self.path)

    def default_filename(self, stem: str) -> str:
        return stem + self.path.suffix

    def save(self, path: Path, **options: Any) -> Path:
        path = Path(path)
        if not path.suffix and self.path.suffix:
            path = path.with_suffix(self.path.suffix)
        if path.resolve() != self.path.resolve():
            shutil.copyfile(self.path, path)
        return path

    def dump(self, folder: Path, key: str) -> dict[str, Any]:
        dest = folder / (key + self.path.suffix)
        shutil.copyfile(self.path, dest)
        return {"kind": self.kind, "file": dest.name, "meta": self.meta, "name": self.name}

    @classmethod
    def load(cls, folder: Path, spec: dict[str, Any]) -> FileArtifact:
        return cls(folder / spec["file"], meta=spec.get("meta"), name=spec.get("name"))

    def describe(self) -> str:
        return str(self.path)


class VideoArtifact(FileArtifact):
    """A video file. Steps decode it themselves (streaming); the engine only hashes it."""

    kind = "video"

    def dump(self, folder: Path, key: str) -> dict[str, Any]:
        # Source videos are large and immutable inputs: reference them instead of copying, but
        # copy videos that steps produced inside their scratch folder.
        return super().dump(folder, key)


ARTIFACT_TYPES: dict[str, type[Artifact]] = {
    cls.kind: cls
    for cls in (ImageArtifact, TextArtifact, DataArtifact, AudioArtifact, FileArtifact, VideoArtifact)
}


def dump_artifact(artifact: Artifact, folder: Path, key: str) -> dict[str, Any]:
    """Store an artifact in a cache entry folder, with its payload digest."""
    spec = artifact.dump(folder, key)
    spec["digest"] = artifact.payload_digest()
    return spec


def load_artifact(folder: Path, spec: dict[str, Any]) -> Artifact:
    art = ARTIFACT_TYPES[spec["kind"]].load(folder, spec)
    if spec.get("digest"):
        art._digest = spec["digest"]
    return art
