"""Archives are bounded by what they produce: bombs are `too_large` rejects, and memory stays bounded.

Each bomb is built here in a few seconds (never committed) and inflates to over 1 GiB, so a reader
trusting the sizes the archive claims would need more than the limit asserted. Each build runs in a
fresh child process whose peak memory is read from its parent (RUSAGE_CHILDREN of a wrapper whose
only child is the build).
"""

from __future__ import annotations

import bz2
import gzip
import io
import json
import lzma
import struct
import subprocess
import sys
import tarfile
import zipfile
import zlib
from pathlib import Path

import pytest

from cityscapes_warehouse import Warehouse
from cityscapes_warehouse.config import Settings
from cityscapes_warehouse.sources import SourceError, gtfine, open_source
from cityscapes_warehouse.sources.base import MAX_FILE_BYTES

GOOD_NAME = "gtFine/train/ulm/ulm_000000_000019_gtFine_polygons.json"
BOMB_NAME = "gtFine/train/ulm/ulm_000001_000019_gtFine_polygons.json"
GOOD_DOC = json.dumps(
    {"imgHeight": 1024, "imgWidth": 2048, "objects": [{"label": "road", "polygon": [[0, 0], [9, 0], [0, 9]]}]}
)
GIB = 1024**3
PEAK_LIMIT_KIB = GIB // 1024  # ru_maxrss is in KiB on Linux

BLOCK_MAGIC = format(0x314159265359, "048b")
END_MAGIC = format(0x177245385090, "048b")


def bzip2_bomb(blocks: int) -> tuple[bytes, int]:
    """A bzip2 stream of `blocks` copies of one block of zeros (about 37 bytes each), and its inflated size.

    bzip2 blocks are bit-aligned, so the one block of a compressed run of zeros is cut out of its
    stream as bits, repeated, and closed with the stream's combined CRC: 1 KB inflating to 1.35 GB.
    """
    unit = 45_000_000  # zeros filling one 900k block after bzip2's first run-length pass
    bits = "".join(format(byte, "08b") for byte in bz2.compress(b"\0" * unit, 9))
    block = bits[32 : bits.rindex(END_MAGIC)]
    assert block.count(BLOCK_MAGIC) == 1
    block_crc, combined = int(block[48:80], 2), 0
    for _ in range(blocks):
        combined = (((combined << 1) | (combined >> 31)) & 0xFFFFFFFF) ^ block_crc
    body = bits[:32] + block * blocks + END_MAGIC + format(combined, "032b")
    body += "0" * (-len(body) % 8)
    return int(body, 2).to_bytes(len(body) // 8, "big"), unit * blocks


def deflate_bomb(copies: int) -> tuple[bytes, int]:
    """Raw deflate of `copies` x 64 MiB of zeros: one fully flushed segment (no reference behind it), repeated."""
    unit = 64 * 1024 * 1024
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    segment = compressor.compress(b"\0" * unit) + compressor.flush(zlib.Z_FULL_FLUSH)
    return segment * copies + compressor.flush(zlib.Z_FINISH), unit * copies


def raw_zip(path: Path, entries: list[tuple[str, int, bytes, int, int, int]]) -> Path:
    """A zip written byte by byte, so an entry can claim any size: (name, method, data, crc, claimed, flags)."""
    body, central = bytearray(), bytearray()
    for name, method, data, crc, claimed, flags in entries:
        encoded, offset = name.encode(), len(body)
        body += struct.pack(
            "<4s2B4HL2L2H", b"PK\3\4", 20, 0, flags, method, 0, 33, crc, len(data), claimed, len(encoded), 0
        )
        body += encoded + data
        central += struct.pack(
            "<4s4B4HL2L5H2L",
            b"PK\1\2",
            20,
            3,
            20,
            0,
            flags,
            method,
            0,
            33,
            crc,
            len(data),
            claimed,
            len(encoded),
            0,
            0,
            0,
            0,
            0o644 << 16,
            offset,
        )
        central += encoded
    end = struct.pack("<4s4H2LH", b"PK\5\6", 0, 0, len(entries), len(entries), len(central), len(body), 0)
    path.write_bytes(bytes(body + central + end))
    return path


def good_entry() -> tuple[str, int, bytes, int, int, int]:
    data = GOOD_DOC.encode()
    return (GOOD_NAME, zipfile.ZIP_STORED, data, zlib.crc32(data), len(data), 0)


def build_in_child(source: Path, out: Path) -> tuple[dict, int]:
    """Build in a fresh process; its rejects by reason, and its peak memory in KiB (workers included)."""
    build = (
        "import json, sys; from cityscapes_warehouse import Warehouse; "
        "_, s = Warehouse.build(sys.argv[1], sys.argv[2]); print(json.dumps(s.rejects_by_reason))"
    )
    wrapper = (
        "import resource, subprocess, sys; "
        f"done = subprocess.run([sys.executable, '-c', {build!r}, *sys.argv[1:3]], capture_output=True, text=True); "
        "sys.stderr.write(done.stderr); print(done.stdout.strip()); print(done.returncode); "
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    done = subprocess.run(
        [sys.executable, "-c", wrapper, str(source), str(out)], capture_output=True, text=True, check=True
    )
    # the last three lines: DuckDB may draw its own progress bar on stdout before them (a long insert)
    rejects, returncode, peak = done.stdout.strip().split("\n")[-3:]
    assert returncode == "0", done.stderr
    return json.loads(rejects), int(peak)


def test_a_bzip2_entry_understating_its_size_is_capped_by_what_it_produces(tmp_path):
    data, inflated = bzip2_bomb(30)
    assert len(data) < 2048 and inflated > GIB
    archive = raw_zip(tmp_path / "bomb.zip", [good_entry(), (BOMB_NAME, zipfile.ZIP_BZIP2, data, 0, 1000, 0)])
    rejects, peak = build_in_child(archive, tmp_path / "wh")
    assert rejects == {"too_large": 1}
    assert peak < PEAK_LIMIT_KIB, f"peak {peak} KiB"


def test_a_deflate_entry_understating_its_size_is_capped_by_what_it_produces(tmp_path):
    data, inflated = deflate_bomb(20)
    assert inflated > GIB
    archive = raw_zip(tmp_path / "bomb.zip", [good_entry(), (BOMB_NAME, zipfile.ZIP_DEFLATED, data, 0, 1000, 0)])
    rejects, peak = build_in_child(archive, tmp_path / "wh")
    assert rejects == {"too_large": 1}
    assert peak < PEAK_LIMIT_KIB, f"peak {peak} KiB"


def test_a_tar_gz_of_many_large_members_is_read_a_few_at_a_time(tmp_path):
    """100 members of 15 MiB each (under the per-file limit, so each is read): 1.5 GB in all."""
    size = 15 * 1024 * 1024
    zeros = gzip.compress(b"\0" * size, 1)
    parts = [_tar_member_gz("meta.json", json.dumps({"classes": [{"title": "road"}], "tags": []}).encode())]
    for i in range(100):
        header = tarfile.TarInfo(f"train/ann/ulm_{i:06d}_000019_leftImg8bit.png.json")
        header.size = size
        # a gzip file may hold several members: the header, then the zeros compressed once, then padding
        parts += [gzip.compress(header.tobuf(format=tarfile.GNU_FORMAT)), zeros]
    # one readable image: a source of which nothing can be read is refused before anything is written
    readable = {"size": {"height": 50, "width": 100}, "tags": [], "objects": []}
    parts.append(_tar_member_gz("train/ann/ulm_000100_000019_leftImg8bit.png.json", json.dumps(readable).encode()))
    parts.append(gzip.compress(b"\0" * 1024))  # the end-of-archive blocks
    archive = tmp_path / "project.tar.gz"
    archive.write_bytes(b"".join(parts))
    rejects, peak = build_in_child(archive, tmp_path / "wh")
    assert rejects == {"malformed_json": 100}  # each was read, and none is JSON
    assert peak < PEAK_LIMIT_KIB, f"peak {peak} KiB"


def _tar_member_gz(name: str, data: bytes) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.GNU_FORMAT) as tar:
        info = tarfile.TarInfo(name)
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    whole = buffer.getvalue()
    return gzip.compress(whole[: 512 + -(-len(data) // 512) * 512])  # the member, without the end blocks


@pytest.mark.parametrize("method", [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA])
def test_every_readable_method_gives_the_same_objects(tmp_path, method):
    archive = tmp_path / "gtFine.zip"
    with zipfile.ZipFile(archive, "w", method) as zf:
        zf.writestr(GOOD_NAME, GOOD_DOC)
    _, summary = Warehouse.build(archive, tmp_path / "wh")
    assert (summary.objects, summary.rejects) == (1, 0)


@pytest.mark.parametrize("method", [zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA])
def test_an_honest_entry_over_the_limit_is_too_large_in_every_method(tmp_path, method):
    """Sizes told truthfully but over the per-file limit: refused from the directory, never inflated."""
    archive = tmp_path / "gtFine.zip"
    with zipfile.ZipFile(archive, "w", method) as zf:
        zf.writestr(GOOD_NAME, GOOD_DOC)
        zf.writestr(BOMB_NAME, b" " * (MAX_FILE_BYTES + 1))
    _, summary = Warehouse.build(archive, tmp_path / "wh")
    assert summary.rejects_by_reason == {"too_large": 1}


def test_an_lzma_entry_claiming_less_than_it_holds_is_capped(tmp_path):
    data = lzma.compress(b" " * (MAX_FILE_BYTES + 1), format=lzma.FORMAT_RAW, filters=[{"id": lzma.FILTER_LZMA1}])
    props = _lzma_props()
    payload = struct.pack("<BBH", 9, 4, len(props)) + props + data
    archive = raw_zip(tmp_path / "bomb.zip", [good_entry(), (BOMB_NAME, zipfile.ZIP_LZMA, payload, 0, 10, 0)])
    _, summary = Warehouse.build(archive, tmp_path / "wh")
    assert summary.rejects_by_reason == {"too_large": 1}


def _lzma_props() -> bytes:
    """The 5 property bytes of LZMA1's defaults (lc=3, lp=0, pb=2, 8 MiB dictionary), as zip stores them."""
    return bytes([(2 * 5 + 0) * 9 + 3]) + (8 * 1024 * 1024).to_bytes(4, "little")


def test_the_archive_budget_is_shared_by_every_worker_of_a_build(small_replica, tmp_path):
    """Two workers together stop at the build's archive budget; counted per process, they read twice it."""
    files = sorted((small_replica / "gtFine").rglob("*_gtFine_polygons.json"))
    archive = tmp_path / "gtFine_trainvaltest.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in files:
            zf.write(path, path.relative_to(small_replica).as_posix())
    sizes = {path.relative_to(small_replica).as_posix(): path.stat().st_size for path in files}
    budget = sum(sizes.values()) * 3 // 10
    settings = Settings(workers=2, parallel_min_files=1, batch_files=2, archive_bytes=budget)

    wh, summary = Warehouse.build(archive, tmp_path / "wh", settings=settings)

    read = wh.query("select source_path from images")["source_path"].to_list()
    refused = wh.query("select source_path, detail from rejects where reason = 'too_large'")
    inflated = sum(sizes[path.split("!", 1)[-1].lstrip("/")] for path in read)
    assert 0 < inflated <= budget + settings.workers * max(sizes.values())
    assert refused.height > 0 and all("its limit" in detail for detail in refused["detail"])
    assert summary.images + refused.height == len(files)


def test_a_zip_whose_directory_lists_more_than_a_release_holds_is_refused(tmp_path, monkeypatch):
    # zipfile holds the whole central directory in memory, about ten times its bytes, in the build
    # process and again in each worker: a 42 MB zip of 300,000 empty entries took 600 MB and a minute
    monkeypatch.setattr(gtfine, "MAX_DIRECTORY_BYTES", 1000)
    many = [(f"gtFine/train/ulm/ulm_{i:06d}_000019_gtFine_polygons.json", *good_entry()[1:]) for i in range(20)]
    with pytest.raises(SourceError, match=r"central directory of \d+ bytes, over the 1000"):
        open_source(raw_zip(tmp_path / "many.zip", many))
    monkeypatch.setattr(gtfine, "MAX_DIRECTORY_BYTES", 100_000)
    assert open_source(raw_zip(tmp_path / "many.zip", many)).kind == "gtfine-zip"
