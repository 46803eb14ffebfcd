"""How the Spark build lists and reads the source's files: as the folder adapter does, or not at all.

Spark (binaryFile on Hadoop's file system) lists a folder otherwise than sources.gtfine.GtFineFolder:
it skips files and folders whose names start with '.' or '_' (Hadoop's hidden files), cannot spell
a name holding ':' (the job fails) or one that is not UTF-8, reads '%20' in a name as a space, and
skips links to nothing, anything that is not a regular file and files of 0 bytes, and follows a folder link back into
the folder round its loop (the adapter enters each folder once). Each of these is a reject in the
DuckDB build; here the build is refused before Spark starts, naming them, rather than losing them.
"""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath

from ..sources.base import MAX_FILE_BYTES
from ..sources.gtfine import GtFineFolder

# The folder adapter reads every *.json in any case (a .JSON file is read, and rejected by its name)
JSON_GLOB = "*.[jJ][sS][oO][nN]"
SHOWN = 3  # files named in the refusal


def binary_files(spark, root: str, glob: str):
    """binaryFile rows (path, length, content, ...) of the files below `root` matching `glob`.

    binaryFile reads a file whole into the JVM's heap: a 700 MB file ran a local session out of its
    1 GB heap, and one over 2 GiB failed the job. A file over MAX_FILE_BYTES is listed with a null
    content (the task rejects it as too_large by its length); the length filter is applied to the
    listing, so Spark never reads it.
    """
    from pyspark.sql import functions as F

    listed = spark.read.format("binaryFile").option("recursiveFileLookup", "true").option("pathGlobFilter", glob)
    listed = listed.load(root)
    too_large = listed.where(F.col("length") > MAX_FILE_BYTES).withColumn("content", F.lit(None).cast("binary"))
    return listed.where(F.col("length") <= MAX_FILE_BYTES).unionByName(too_large)


def unreadable_by_spark(src: GtFineFolder) -> list[str]:
    """The source_path of every file the folder adapter reads but Spark would not read as it does."""
    found = []
    for file in src.files():
        rel = PurePosixPath(file.source_path).relative_to("gtFine")
        path = src.root / rel
        # not a file (a link to nothing, a FIFO, a folder that could not be listed), or an empty one,
        # which Spark's file scan leaves out
        if _unspellable(rel) or not path.is_file() or path.stat().st_size == 0:
            found.append(file.source_path)
    return found + _links_back(src.root, Path(src.location))


def _links_back(root: Path, read: Path) -> list[str]:
    """Links to folders below `read` leading back into it (or above it): Spark lists their files again,
    at every level. Named from `root`, the gtFine folder."""
    top = read.resolve()
    found = []
    for folder, names, _ in os.walk(read):  # links to folders are listed in `names`, not entered
        for name in names:
            link = Path(folder, name)
            if link.is_symlink():
                target = link.resolve()
                if target == top or top in target.parents or target in top.parents:
                    found.append(f"gtFine/{link.relative_to(root).as_posix()}")
    return sorted(found)


def _unspellable(rel: PurePosixPath) -> bool:
    try:
        str(rel).encode()
    except UnicodeEncodeError:  # a name that is not UTF-8 (its bytes kept as surrogates)
        return True
    return any(part.startswith((".", "_")) or ":" in part or "%" in part for part in rel.parts)
