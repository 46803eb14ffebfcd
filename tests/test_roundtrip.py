"""From the warehouse alone, every source file's objects come back in order, rejects included."""

from __future__ import annotations

import json

from cityscapes_warehouse.roundtrip import rebuild_objects
from conftest import TINY


def test_every_source_file_is_rebuilt_from_the_warehouse(tiny_warehouse):
    assert rebuild_objects(tiny_warehouse) == TINY


def test_rebuilt_out_of_roi_is_frame_then_hole_as_in_the_file(tiny_warehouse):
    path = "gtFine/train/aachen/aachen_000000_000019_gtFine_polygons.json"
    out_of_roi = rebuild_objects(tiny_warehouse)[path][4]
    assert json.dumps(out_of_roi) == json.dumps(TINY[path][4])
