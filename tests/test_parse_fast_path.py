"""The bulk path for clean gtFine files gives exactly the records of the one-by-one path, or stands aside."""

from __future__ import annotations

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cityscapes_warehouse.labels import LABELS
from cityscapes_warehouse.parse import COORDINATE_LIMIT, ParsedFile, _accept_one_by_one
from cityscapes_warehouse.sources.gtfine import OBJECTS, accept_clean_objects

TRIANGLE = [[0, 0], [5, 0], [0, 5]]
FRAME_WITH_HOLE = [[0, 0], [9, 0], [9, 9], [0, 9], [0, 0], [2, 2], [3, 2], [3, 3]]

CLEAN = {
    "one triangle": [{"label": "road", "polygon": TRIANGLE}],
    "negative coordinates": [{"label": "car", "polygon": [[-3, 2], [4, 4], [0, 5]]}],
    "out of roi cut into frame and hole": [
        {"label": "out of roi", "polygon": FRAME_WITH_HOLE},
        {"label": "car", "polygon": TRIANGLE},
    ],
    "out of roi without frame": [
        {"label": "car", "polygon": TRIANGLE},
        {"label": "out of roi", "polygon": [[1, 1], [8, 1], [8, 8], [1, 8]]},
    ],
    "deleted but false": [{"label": "road", "polygon": TRIANGLE, "deleted": 0}],
}

# each looks almost clean; the bulk path must refuse it, so the one-by-one path names the problem
NEARLY_CLEAN = {
    "item is a list": [[[5], 6], [5, 0], [0, 5]],
    "counts compensate": [[[1, 2], 3], [[], 5], [0, 5]],
    "three and one": [[1, 2, 3], [4], [0, 5]],
    "float": [[1.0, 2], [4, 4], [0, 5]],
    "bool": [[True, 2], [4, 4], [0, 5]],
    "string coordinate": [["1", 2], [4, 4], [0, 5]],
    "string vertex": ["ab", [4, 4], [0, 5]],
    "integer vertex": [7, [4, 4], [0, 5]],
    "dict vertex": [{"x": 1, "y": 2}, [4, 4], [0, 5]],
    "null coordinate": [[None, 2], [4, 4], [0, 5]],
    "beyond the coordinate limit": [[COORDINATE_LIMIT + 1, 2], [4, 4], [0, 5]],
    "beyond 32 bits": [[2**40, 2], [4, 4], [0, 5]],
    "beyond 64 bits": [[2**70, 2], [4, 4], [0, 5]],
    "two points": [[0, 0], [1, 1]],
}
NEARLY_CLEAN_OBJECTS = {
    "deleted": {"label": "road", "polygon": TRIANGLE, "deleted": 1},
    "unknown label": {"label": "spaceship", "polygon": TRIANGLE},
    "label not a string": {"label": ["road"], "polygon": TRIANGLE},
    "no polygon": {"label": "road"},
    "polygon not a list": {"label": "road", "polygon": "0,0 5,0 0,5"},
    "not an object": [1, 2],
}


def both_paths(objects: list) -> tuple[bool, ParsedFile, ParsedFile]:
    bulk, single = ParsedFile("f.json", image={"image_id": "x"}), ParsedFile("f.json", image={"image_id": "x"})
    taken = accept_clean_objects(bulk, objects)
    _accept_one_by_one(single, objects, OBJECTS, None)
    return taken, bulk, single


def records(parsed: ParsedFile) -> tuple:
    return (
        parsed.draw_orders,
        parsed.labels,
        parsed.rings_per_object,
        parsed.roi_frame_missing,
        parsed.ring_lengths,
        parsed.xy.tolist(),
        parsed.xy.dtype.name,
        parsed.rejects,
    )


@pytest.mark.parametrize("objects", CLEAN.values(), ids=CLEAN.keys())
def test_clean_files_take_the_bulk_path_and_equal_the_one_by_one_records(objects):
    taken, bulk, single = both_paths(objects)
    assert taken
    assert records(bulk) == records(single)


@pytest.mark.parametrize("polygon", NEARLY_CLEAN.values(), ids=NEARLY_CLEAN.keys())
def test_a_vertex_that_is_not_an_integer_pair_in_range_is_left_to_the_one_by_one_path(polygon):
    taken, bulk, _ = both_paths([{"label": "road", "polygon": TRIANGLE}, {"label": "car", "polygon": polygon}])
    assert not taken
    assert records(bulk) == records(ParsedFile("f.json"))  # untouched


@pytest.mark.parametrize("obj", NEARLY_CLEAN_OBJECTS.values(), ids=NEARLY_CLEAN_OBJECTS.keys())
def test_an_object_that_would_be_rejected_is_left_to_the_one_by_one_path(obj):
    taken, _, single = both_paths([{"label": "road", "polygon": TRIANGLE}, obj])
    assert not taken
    assert single.rejects  # and that path does reject it


coordinate = st.integers(min_value=-COORDINATE_LIMIT, max_value=COORDINATE_LIMIT)
clean_object = st.fixed_dictionaries(
    {
        "label": st.sampled_from(sorted(LABELS)),
        "polygon": st.lists(st.lists(coordinate, min_size=2, max_size=2), min_size=3, max_size=12),
    }
)


@settings(max_examples=200, deadline=None)
@given(st.lists(clean_object, min_size=1, max_size=20))
def test_any_clean_file_gives_the_same_records_on_both_paths(objects):
    taken, bulk, single = both_paths(objects)
    assert taken
    assert records(bulk) == records(single)


@pytest.mark.parametrize(
    "text",
    [
        b'{"imgHeight": 1, "imgHeight": 2}',
        b'{"objects": [{"label": "car", "label": "bus"}]}',
        b'{"o": {"x": [[1, 2]], "x": "a:b"}}',  # the dropped value holds a colon itself
        b'{"o": [{"k": 1}, {"k": 2, "k": 3}], "note": "x:y"}',
    ],
)
def test_a_duplicated_key_anywhere_is_found(text):
    from cityscapes_warehouse.parse import _may_hide_duplicate_keys, load_json

    assert _may_hide_duplicate_keys(text, orjson.loads(text))
    assert load_json(text)[1][0] == "duplicate_key"


@pytest.mark.parametrize(
    "text", [b'{"a": "b:c", "d": [[1, 2], [3, 4]]}', b'{"objects": [{"label": "a:b", "polygon": [[0, 0]]}]}']
)
def test_colons_in_strings_keep_the_fast_path(text):
    from cityscapes_warehouse.parse import _may_hide_duplicate_keys

    assert not _may_hide_duplicate_keys(text, orjson.loads(text))
