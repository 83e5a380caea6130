"""Comic exports: a multi-page PDF (img2pdf, lossless) and a CBZ (stored zip + ComicInfo.xml)."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from pathlib import Path
from xml.etree import ElementTree as ET

from PIL import Image

from studio.export.png import png_bytes, png_with_texts

# a fixed timestamp inside the zip so the same pages give the same bytes
_ZIP_TIME = (2000, 1, 1, 0, 0, 0)


#: the DPI comic pages are drawn for (the PDF's default page size; pHYs of the CBZ pages)
PAGE_DPI = 150


def _png_bytes(img: Image.Image | bytes, dpi: int = PAGE_DPI) -> bytes:
    """A page as PNG bytes with sRGB and pHYs (`dpi`) chunks (added to given bytes when missing)."""
    if isinstance(img, bytes):
        return png_with_texts(img, {}, dpi=dpi)
    return png_bytes(img.convert("RGB"), compress_level=4, dpi=dpi)


def png_pages(pages: Sequence[Image.Image]) -> list[bytes]:
    """Encode pages once as PNG (both writers accept the bytes)."""
    return [_png_bytes(p) for p in pages]


def write_pdf(pages: Sequence[Image.Image | bytes], path: Path, *, dpi: int = PAGE_DPI, title: str | None = None) -> Path:
    """One PDF page per comic page, PNG data embedded losslessly, page size from the DPI."""
    import img2pdf

    if not pages:
        raise ValueError("no pages to write")
    layout = img2pdf.get_fixed_dpi_layout_fun((dpi, dpi))
    # the internal engine writes the same bytes for the same pages (pikepdf's adds a random /ID)
    # our pages carry no EXIF rotation: saying so spares img2pdf decoding each page to look for it
    data = img2pdf.convert([_png_bytes(p) for p in pages], layout_fun=layout, title=title or None,
                           creator="studio", producer="studio (img2pdf)", nodate=True, engine=img2pdf.Engine.internal,
                           rotation=img2pdf.Rotation.none)
    Path(path).write_bytes(data)
    return Path(path)


def comicinfo_xml(*, title: str | None, page_count: int, rtl: bool = False, writer: str | None = None,
                  summary: str | None = None, language: str | None = None, black_and_white: bool | None = None,
                  series: str | None = None, number: str | None = None) -> bytes:
    """ComicInfo.xml (Anansi schema 2.x) for a CBZ."""
    root = ET.Element("ComicInfo", {
        "xmlns:xsi": "http://www.w3.org/2001/XMLSchema-instance",
        "xmlns:xsd": "http://www.w3.org/2001/XMLSchema",
    })

    def add(tag: str, value: object) -> None:
        if value is not None and str(value) != "":
            ET.SubElement(root, tag).text = str(value)

    add("Title", title)
    add("Series", series)
    add("Number", number)
    add("Summary", summary)
    add("Writer", writer)
    add("PageCount", page_count)
    add("LanguageISO", language)
    if black_and_white is not None:
        add("BlackAndWhite", "Yes" if black_and_white else "No")
    add("Manga", "YesAndRightToLeft" if rtl else "No")
    pages = ET.SubElement(root, "Pages")
    for i in range(page_count):
        ET.SubElement(pages, "Page", {"Image": str(i), "Type": "FrontCover" if i == 0 else "Story"})
    ET.indent(root)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="utf-8")


def page_names(count: int) -> list[str]:
    """Zero-padded names that sort as the pages read: 000.png, 001.png, ..."""
    width = max(3, len(str(count - 1)))
    return [f"{i:0{width}d}.png" for i in range(count)]


def write_cbz(pages: Sequence[Image.Image | bytes], path: Path, *, title: str | None = None, rtl: bool = False,
              writer: str | None = None, summary: str | None = None, language: str | None = None,
              black_and_white: bool | None = None) -> Path:
    """A CBZ: a stored (not deflated) zip of sorted page PNGs plus ComicInfo.xml."""
    if not pages:
        raise ValueError("no pages to write")
    gray = black_and_white if black_and_white is not None else all(is_gray(p) for p in pages)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as zf:
        for name, page in zip(page_names(len(pages)), pages):
            zf.writestr(zipfile.ZipInfo(name, _ZIP_TIME), _png_bytes(page))
        info = comicinfo_xml(title=title, page_count=len(pages), rtl=rtl, writer=writer, summary=summary,
                             language=language, black_and_white=gray)
        zf.writestr(zipfile.ZipInfo("ComicInfo.xml", _ZIP_TIME), info)
    return Path(path)


def is_gray(img: Image.Image | bytes) -> bool:
    import numpy as np

    if isinstance(img, bytes):
        with Image.open(io.BytesIO(img)) as im:
            rgb = im.convert("RGB")
    else:
        rgb = img.convert("RGB")
    small = np.asarray(rgb.resize((96, 96)), dtype=np.int16)
    return bool(np.abs(small[..., 0] - small[..., 1]).max() <= 6 and np.abs(small[..., 1] - small[..., 2]).max() <= 6)
