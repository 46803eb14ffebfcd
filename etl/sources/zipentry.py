"""One zip entry's bytes, bounded by what it produces, never by what its headers claim.

Python's zipfile trusts an entry's claimed size and inflates bzip2 and LZMA data in unbounded
steps: a 3 KB bzip2 entry claiming 1 KB inflated to 7.9 GB. Here the compressed data is read from
the entry's local header on and fed to the decompressor in small steps, each asked for no more than
the bytes still allowed; an entry producing more than MAX_FILE_BYTES is a `too_large` reject, and
a build stops inflating once its processes together have produced the archive budget
(archive_budget.py). The CRC is checked, so a lying header cannot slip altered bytes in either.
"""

from __future__ import annotations

import bz2
import lzma
import os
import struct
import zipfile
import zlib

from .. import archive_budget, reasons
from .base import MAX_COMPRESSION_RATIO, MAX_FILE_BYTES, FileProblem

LOCAL_HEADER = struct.Struct("<4s2B4HL2L2H")  # as zipfile.structFileHeader
LOCAL_SIGNATURE = b"PK\003\004"
STEP = 64 * 1024  # compressed bytes fed at a time
STORED, DEFLATED, BZIP2, LZMA = 0, 8, 12, 14
READABLE_METHODS = {STORED: "stored", DEFLATED: "deflate", BZIP2: "bzip2", LZMA: "LZMA"}
ENCRYPTED_FLAG = 0x1

# (pid, archive path) -> (the archive's inode, size and mtime; the open file)
_open: dict[tuple[int, str], list] = {}


def entry_problem(info: zipfile.ZipInfo) -> tuple[str, str] | None:
    """Why an entry is not read at all, from its central-directory record alone."""
    if info.flag_bits & ENCRYPTED_FLAG:
        return (reasons.UNSUPPORTED_ENTRY, "the entry is encrypted")
    if info.compress_type not in READABLE_METHODS:
        methods = ", ".join(READABLE_METHODS.values())
        return (reasons.UNSUPPORTED_ENTRY, f"compression method {info.compress_type} is not one of {methods}")
    return None


def read_zip_entry(archive: str, info: zipfile.ZipInfo) -> bytes:
    """The entry's bytes, inflated in the process that parses it (both cores inflate, not one).

    Each process opens the archive itself: a forked worker sharing its parent's open file would
    share its file offset too. An archive replaced on disk since it was opened is opened afresh.
    """
    problem = entry_problem(info)
    if problem:
        raise FileProblem(*problem)
    try:
        if archive_budget.spent() >= archive_budget.limit():
            raise FileProblem(
                reasons.TOO_LARGE,
                f"the build already inflated {archive_budget.limit()} bytes from archives, its limit; not inflated",
            )
        data = _inflate(_opened(archive)[1], info, MAX_FILE_BYTES)
        archive_budget.charge(len(data))
        bomb_problem(len(data), info.compress_size)
    except (OSError, EOFError, zlib.error, lzma.LZMAError, ValueError, struct.error) as exc:
        raise FileProblem(reasons.UNREADABLE, f"{type(exc).__name__}: {exc}") from exc
    if zlib.crc32(data) != info.CRC:
        raise FileProblem(reasons.UNREADABLE, "the inflated bytes do not match the entry's CRC (corrupt or altered)")
    return data


def bomb_problem(size: int, compressed: int) -> None:
    """Pretty-printed polygon JSON deflates about 16:1; far more is a bomb, whatever the sizes claimed."""
    if size > MAX_COMPRESSION_RATIO * max(compressed, 1) and size > 1024 * 1024:
        raise FileProblem(
            reasons.TOO_LARGE,
            f"{size} bytes from {compressed} compressed: a ratio over {MAX_COMPRESSION_RATIO}:1 "
            "is a zip bomb, not an annotation",
        )


def _opened(archive: str) -> list:
    info = os.stat(archive)
    stamp = (info.st_ino, info.st_size, info.st_mtime_ns)
    key = (os.getpid(), archive)
    opened = _open.get(key)
    if opened is None or opened[0] != stamp:
        if opened is not None:
            opened[1].close()
        opened = _open[key] = [stamp, open(archive, "rb")]  # noqa: SIM115 (kept open across entries)
    return opened


def _inflate(file, info: zipfile.ZipInfo, limit: int) -> bytes:
    file.seek(info.header_offset)
    header = LOCAL_HEADER.unpack(file.read(LOCAL_HEADER.size))
    if header[0] != LOCAL_SIGNATURE:
        raise ValueError("no local file header where the central directory points")
    file.seek(header[-2] + header[-1], os.SEEK_CUR)  # past the name and the extra field
    method = info.compress_type
    left = info.compress_size
    if method == STORED:
        data = file.read(min(left, limit + 1))
        return _bounded(data, limit)
    if method == LZMA:
        file_props = file.read(4)
        left -= 4
        props = file.read(struct.unpack("<2H", file_props)[1])
        left -= len(props)
        decompressor = lzma.LZMADecompressor(lzma.FORMAT_RAW, filters=[_lzma1_filter(props)])
    elif method == BZIP2:
        decompressor = bz2.BZ2Decompressor()
    else:
        decompressor = zlib.decompressobj(-15)
    return _stream(file, decompressor, left, limit)


def _stream(file, decompressor, left: int, limit: int) -> bytes:
    """Feed compressed bytes step by step, never asking the decompressor for more than `limit + 1`."""
    out = bytearray()
    pending = b""
    while len(out) <= limit:
        if not pending:
            if left <= 0 or getattr(decompressor, "eof", False):
                break
            pending = file.read(min(STEP, left))
            if not pending:
                raise EOFError("the archive ends inside the entry")
            left -= len(pending)
        out += decompressor.decompress(pending, limit + 1 - len(out))
        if hasattr(decompressor, "unconsumed_tail"):  # zlib hands back what it did not use
            pending = decompressor.unconsumed_tail
            continue
        # bz2 and lzma keep unused input themselves: drain them, still bounded, before feeding more
        pending = b""
        while not decompressor.eof and not decompressor.needs_input and len(out) <= limit:
            out += decompressor.decompress(b"", limit + 1 - len(out))
    if len(out) <= limit and hasattr(decompressor, "unconsumed_tail") and not decompressor.eof:
        out += decompressor.flush()  # a deflate stream without its end: what is buffered (the CRC judges it)
    return _bounded(bytes(out), limit)


def _bounded(data: bytes, limit: int) -> bytes:
    if len(data) > limit:
        raise FileProblem(reasons.TOO_LARGE, f"inflates to more than {limit} bytes, the limit for one file")
    return data


def _lzma1_filter(props: bytes) -> dict:
    """The LZMA1 filter from the 5 property bytes a zip entry carries (lc, lp, pb, dictionary size)."""
    if len(props) != 5:
        raise ValueError(f"LZMA properties of {len(props)} bytes, expected 5")
    byte, dict_size = props[0], int.from_bytes(props[1:5], "little")
    if byte >= 9 * 5 * 5:
        raise ValueError("invalid LZMA properties")
    return {"id": lzma.FILTER_LZMA1, "lc": byte % 9, "lp": (byte // 9) % 5, "pb": byte // 45, "dict_size": dict_size}
