"""CPU time of `geometry.measure` over a replica, in one process: `python bench/geometry.py FOLDER`.

Every batch is parsed as a build parses it (`parse_batch`), with `measure` wrapped to add up its
own CPU time (`time.process_time`), so parsing and table building are left out. Run it once on
each checkout to compare; it prints one JSON line.
"""

from __future__ import annotations

import json
import sys
import time

from cityscapes_warehouse import tables
from cityscapes_warehouse.batches import batches, parse_batch
from cityscapes_warehouse.config import Settings
from cityscapes_warehouse.sources import open_source


def main(folder: str) -> dict:
    spent = {"measure_s": 0.0, "objects": 0}
    measure = tables.measure

    def timed_measure(xy, ring_lengths, rings_per_object, width, height):
        start = time.process_time()
        columns = measure(xy, ring_lengths, rings_per_object, width, height)
        spent["measure_s"] += time.process_time() - start
        spent["objects"] += len(rings_per_object)
        return columns

    tables.measure = timed_measure
    try:
        for files in batches(open_source(folder), Settings().batch_files):
            parse_batch(files)
    finally:
        tables.measure = measure
    spent["measure_s"] = round(spent["measure_s"], 3)
    return spent


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1])))
