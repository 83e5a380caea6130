"""Tags inside audio files (Vorbis comments, the WAV `smpl` chunk), written and read without extra
libraries; they carry the loop points game engines read, the title, licence and encoder.

* OGG Vorbis: libsndfile cannot write arbitrary comments, so the Ogg stream it wrote is re-paged:
  the comment header (Vorbis packet 2) is replaced by one carrying ``LOOPSTART``/``LOOPLENGTH``
  (samples), the header pages are rebuilt, every page gets a fixed serial number (libsndfile picks
  a random one, which would make files differ run to run), renumbered sequence numbers and a fresh
  CRC (Ogg's CRC-32, polynomial 0x04C11DB7, no reflection).
* FLAC: the VORBIS_COMMENT metadata block is replaced (PADDING dropped), the rest kept verbatim.
* WAV: a ``smpl`` chunk with one forward loop (start, end inclusive), read by samplers and some
  engines; the RIFF size is updated.
"""

from __future__ import annotations

import struct
from pathlib import Path

VENDOR = "studio"
SERIAL = 0x53545544  # "STUD"


def _crc_table() -> list[int]:
    table = []
    for i in range(256):
        r = i << 24
        for _ in range(8):
            r = ((r << 1) ^ 0x04C11DB7) if r & 0x80000000 else (r << 1)
            r &= 0xFFFFFFFF
        table.append(r)
    return table


_CRC = _crc_table()


def ogg_crc_slow(data: bytes) -> int:
    """Ogg's CRC-32 by the book (table driven, one byte at a time)."""
    crc = 0
    for b in data:
        crc = ((crc << 8) & 0xFFFFFFFF) ^ _CRC[((crc >> 24) & 0xFF) ^ b]
    return crc


_REVERSE_BITS = bytes(int(f"{i:08b}"[::-1], 2) for i in range(256))


def ogg_crc(data: bytes) -> int:
    """Ogg's CRC-32 through zlib: the non-reflected CRC equals the reflected one (zlib's) computed
    on bit-reversed bytes, with the register bit-reversed; zlib's init/final inversions undone."""
    import zlib

    raw = zlib.crc32(data.translate(_REVERSE_BITS), 0xFFFFFFFF) ^ 0xFFFFFFFF
    return int(f"{raw:032b}"[::-1], 2)


# -- Ogg pages ---------------------------------------------------------------------------------

def _read_pages(data: bytes) -> list[dict]:
    pages = []
    pos = 0
    while pos < len(data):
        if data[pos : pos + 4] != b"OggS":
            raise ValueError(f"not an Ogg page at byte {pos}")
        (_, flags, granule, serial, seq, _crc, nseg) = struct.unpack_from("<BBqIIIB", data, pos + 4)
        lacing = list(data[pos + 27 : pos + 27 + nseg])
        body_start = pos + 27 + nseg
        body = data[body_start : body_start + sum(lacing)]
        pages.append({"flags": flags, "granule": granule, "serial": serial, "seq": seq, "lacing": lacing, "body": body})
        pos = body_start + sum(lacing)
    return pages


def _packets(pages: list[dict], count: int) -> tuple[list[bytes], int]:
    """The first `count` packets and the index of the first page after them."""
    packets: list[bytes] = []
    cur = b""
    for i, page in enumerate(pages):
        off = 0
        for lace in page["lacing"]:
            cur += page["body"][off : off + lace]
            off += lace
            if lace < 255:
                packets.append(cur)
                cur = b""
                if len(packets) == count:
                    if off != len(page["body"]):
                        raise ValueError("audio data shares a page with the Vorbis headers")
                    return packets, i + 1
    raise ValueError("stream ended inside the Vorbis headers")


def _page_bytes(flags: int, granule: int, serial: int, seq: int, lacing: list[int], body: bytes) -> bytes:
    header = struct.pack("<4sBBqIIIB", b"OggS", 0, flags, granule, serial, seq, 0, len(lacing)) + bytes(lacing)
    crc = ogg_crc(header + body)
    header = header[:22] + struct.pack("<I", crc) + header[26:]
    return header + body


def _paginate(packet: bytes, serial: int, seq: int, flags: int) -> list[bytes]:
    """One packet as header pages (granule 0)."""
    lacing = [255] * (len(packet) // 255) + [len(packet) % 255]
    pages = []
    off = 0
    first = True
    while lacing:
        chunk, lacing = lacing[:255], lacing[255:]
        size = sum(chunk)
        f = flags if first else 0x01
        pages.append(_page_bytes(f, 0, serial, seq, chunk, packet[off : off + size]))
        off += size
        seq += 1
        first = False
    return pages


def vorbis_comment_packet(tags: dict[str, str], *, framing: bool = True, vendor: str = VENDOR) -> bytes:
    v = vendor.encode("utf-8")
    body = struct.pack("<I", len(v)) + v + struct.pack("<I", len(tags))
    for k, val in tags.items():
        item = f"{k}={val}".encode()
        body += struct.pack("<I", len(item)) + item
    return (b"\x03vorbis" + body + (b"\x01" if framing else b""))


def parse_comments(blob: bytes) -> dict[str, str]:
    """Vorbis comment body (vendor, count, items) -> {KEY: value} (keys upper-cased)."""
    (vlen,) = struct.unpack_from("<I", blob, 0)
    pos = 4 + vlen
    (count,) = struct.unpack_from("<I", blob, pos)
    pos += 4
    out: dict[str, str] = {}
    for _ in range(count):
        (n,) = struct.unpack_from("<I", blob, pos)
        pos += 4
        item = blob[pos : pos + n].decode("utf-8", "replace")
        pos += n
        if "=" in item:
            k, v = item.split("=", 1)
            out[k.upper()] = v
    return out


def write_ogg_comments(path: Path, tags: dict[str, str]) -> None:
    data = Path(path).read_bytes()
    pages = _read_pages(data)
    packets, first_audio = _packets(pages, 3)
    if not packets[0].startswith(b"\x01vorbis") or not packets[1].startswith(b"\x03vorbis"):
        raise ValueError(f"{path}: not an Ogg Vorbis stream")
    out = []
    seq = 0
    out += _paginate(packets[0], SERIAL, seq, 0x02)
    seq += len(out)
    # comment and setup headers share pages; simplest correct layout: one run of pages each
    for pkt in (vorbis_comment_packet(tags), packets[2]):
        new = _paginate(pkt, SERIAL, seq, 0x00)
        out += new
        seq += len(new)
    for page in pages[first_audio:]:
        out.append(_page_bytes(page["flags"], page["granule"], SERIAL, seq, page["lacing"], page["body"]))
        seq += 1
    tmp = Path(str(path) + ".tmp")
    tmp.write_bytes(b"".join(out))
    tmp.replace(path)


def read_ogg_comments(path: Path) -> dict[str, str]:
    pages = _read_pages(Path(path).read_bytes())
    packets, _ = _packets(pages, 2)
    if not packets[1].startswith(b"\x03vorbis"):
        raise ValueError(f"{path}: no Vorbis comment header")
    return parse_comments(packets[1][7:])


def check_ogg_crcs(path: Path) -> bool:
    """True when every page's CRC is right (what players verify)."""
    data = Path(path).read_bytes()
    pos = 0
    while pos < len(data):
        nseg = data[pos + 26]
        size = 27 + nseg + sum(data[pos + 27 : pos + 27 + nseg])
        page = bytearray(data[pos : pos + size])
        want = struct.unpack_from("<I", page, 22)[0]
        page[22:26] = b"\x00\x00\x00\x00"
        if ogg_crc(bytes(page)) != want:
            return False
        pos += size
    return True


# -- FLAC ---------------------------------------------------------------------------------------

def write_flac_comments(path: Path, tags: dict[str, str]) -> None:
    data = Path(path).read_bytes()
    if data[:4] != b"fLaC":
        raise ValueError(f"{path}: not a FLAC file")
    pos = 4
    blocks: list[tuple[int, bytes]] = []
    while True:
        hdr = data[pos]
        last = hdr & 0x80
        btype = hdr & 0x7F
        size = int.from_bytes(data[pos + 1 : pos + 4], "big")
        blocks.append((btype, data[pos + 4 : pos + 4 + size]))
        pos += 4 + size
        if last:
            break
    frames = data[pos:]
    comment = vorbis_comment_packet(tags, framing=False)[7:]
    kept = [b for b in blocks if b[0] not in (4, 1)]  # drop VORBIS_COMMENT and PADDING
    kept.insert(1, (4, comment))
    out = bytearray(b"fLaC")
    for i, (btype, body) in enumerate(kept):
        flag = 0x80 if i == len(kept) - 1 else 0
        out += bytes([flag | btype]) + len(body).to_bytes(3, "big") + body
    out += frames
    tmp = Path(str(path) + ".tmp")
    tmp.write_bytes(bytes(out))
    tmp.replace(path)


def read_flac_comments(path: Path) -> dict[str, str]:
    data = Path(path).read_bytes()
    if data[:4] != b"fLaC":
        raise ValueError(f"{path}: not a FLAC file")
    pos = 4
    while True:
        hdr = data[pos]
        size = int.from_bytes(data[pos + 1 : pos + 4], "big")
        if hdr & 0x7F == 4:
            return parse_comments(data[pos + 4 : pos + 4 + size])
        pos += 4 + size
        if hdr & 0x80:
            return {}


# -- WAV smpl chunk -----------------------------------------------------------------------------

def write_wav_loop(path: Path, sample_rate: int, start: int, length: int) -> None:
    data = bytearray(Path(path).read_bytes())
    if data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise ValueError(f"{path}: not a RIFF WAVE file")
    period = int(round(1e9 / sample_rate))
    body = struct.pack("<9I", 0, 0, period, 60, 0, 0, 0, 1, 0)
    body += struct.pack("<6I", 0, 0, start, start + length - 1, 0, 0)
    data += b"smpl" + struct.pack("<I", len(body)) + body
    data[4:8] = struct.pack("<I", len(data) - 8)
    tmp = Path(str(path) + ".tmp")
    tmp.write_bytes(bytes(data))
    tmp.replace(path)


def read_wav_loop(path: Path) -> tuple[int, int] | None:
    """(start, length) of the first loop in a WAV's smpl chunk, or None."""
    data = Path(path).read_bytes()
    pos = 12
    while pos + 8 <= len(data):
        cid = data[pos : pos + 4]
        size = struct.unpack_from("<I", data, pos + 4)[0]
        if cid == b"smpl":
            n_loops = struct.unpack_from("<I", data, pos + 8 + 28)[0]
            if n_loops:
                _, _, start, end, _, _ = struct.unpack_from("<6I", data, pos + 8 + 36)
                return start, end - start + 1
            return None
        pos += 8 + size + (size & 1)
    return None
