"""simdjson's path for gtFine files gives exactly what the exact (orjson) path gives, or nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_hostile_input import CASES, place
from test_parse_fast_path import CLEAN, NEARLY_CLEAN, NEARLY_CLEAN_OBJECTS, TRIANGLE, clean_object, records

from cityscapes_warehouse.parse import MAX_IMAGE_SIDE, MAX_OBJECTS_PER_FILE, SHORT_RING_VERTICES, ParsedFile
from cityscapes_warehouse.sources import SourceFile, gtfine
from cityscapes_warehouse.sources.gtfine_clean import MAX_KEYS_LOOKED_UP, read_clean

NAME = "ulm_000001_000019_gtFine_polygons.json"


def gtfine_bytes(objects: list, indent: int | None = 4, **fields) -> bytes:
    """A polygon file as the release spells it (indent 4, ", " between items), or compact."""
    doc = {"imgHeight": 1024, "imgWidth": 2048, "objects": objects, **fields}
    separators = (", ", ": ") if indent else (",", ":")
    return json.dumps(doc, indent=indent, separators=separators).encode()


def source_file(data: bytes, path: str = f"gtFine/train/ulm/{NAME}") -> SourceFile:
    _, split, city, name = path.split("/")
    return SourceFile(path, split, city, name, data)


def exact(src: SourceFile, monkeypatch) -> ParsedFile:
    """The file through the exact path alone (orjson, the duplicate-key check, the checks per object)."""
    with monkeypatch.context() as patched:
        patched.setattr(gtfine, "read_clean", lambda data: None)
        return gtfine.parse_gtfine(src)


def both_paths(data: bytes, monkeypatch, path: str = f"gtFine/train/ulm/{NAME}") -> tuple[ParsedFile, ParsedFile]:
    src = source_file(data, path)
    return gtfine.parse_gtfine(src), exact(src, monkeypatch)


def everything(parsed: ParsedFile) -> tuple:
    return (parsed.source_path, parsed.image, parsed.objects_read, *records(parsed))


@pytest.mark.parametrize("objects", CLEAN.values(), ids=CLEAN.keys())
@pytest.mark.parametrize("indent", [4, None], ids=["as released", "compact"])
def test_a_clean_file_is_read_by_simdjson_with_the_exact_paths_records(objects, indent, monkeypatch):
    data = gtfine_bytes(objects, indent)
    assert read_clean(data) is not None
    fast, slow = both_paths(data, monkeypatch)
    assert everything(fast) == everything(slow)


def test_a_ring_longer_than_the_skeletons_made_once_is_read_alike(monkeypatch):
    long_ring = [[x, 0] for x in range(SHORT_RING_VERTICES + 7)] + [[0, 5]]
    data = gtfine_bytes([{"label": "road", "polygon": long_ring}, {"label": "car", "polygon": TRIANGLE}])
    assert read_clean(data) is not None
    fast, slow = both_paths(data, monkeypatch)
    assert slow.ring_lengths == [SHORT_RING_VERTICES + 8, 3]
    assert everything(fast) == everything(slow)


def test_the_labelling_tools_keys_keep_a_file_clean(monkeypatch):
    tool = {"date": "12-Feb-2015 12:15:37", "deleted": 0, "id": 3, "user": "someone", "verified": 1}
    data = gtfine_bytes([{"label": "car", "polygon": TRIANGLE, **tool}, {"label": "road", "polygon": TRIANGLE}])
    assert read_clean(data) is not None
    fast, slow = both_paths(data, monkeypatch)
    assert everything(fast) == everything(slow)


@settings(max_examples=200, deadline=None)
@given(st.lists(clean_object, min_size=1, max_size=20), st.sampled_from([4, None]))
def test_any_clean_file_gives_the_same_records_on_both_paths(objects, indent):
    data = gtfine_bytes(objects, indent)
    assert read_clean(data) is not None
    with pytest.MonkeyPatch.context() as monkeypatch:
        fast, slow = both_paths(data, monkeypatch)
    assert everything(fast) == everything(slow)


# coordinates only the exact path names (bad_coordinates): the file is left to it
BAD_COORDINATES = {name: polygon for name, polygon in NEARLY_CLEAN.items() if len(polygon) >= 3}


@pytest.mark.parametrize("polygon", BAD_COORDINATES.values(), ids=BAD_COORDINATES.keys())
def test_a_vertex_that_is_not_an_integer_pair_in_range_leaves_the_file_to_the_exact_path(polygon, monkeypatch):
    data = gtfine_bytes([{"label": "road", "polygon": TRIANGLE}, {"label": "car", "polygon": polygon}])
    assert read_clean(data) is None
    fast, slow = both_paths(data, monkeypatch)
    assert [r["reason"] for r in slow.rejects] == ["bad_coordinates"]
    assert everything(fast) == everything(slow)


REJECTED_ALONE = {
    **{name: obj for name, obj in NEARLY_CLEAN_OBJECTS.items() if isinstance(obj, dict)},
    "two points": {"label": "car", "polygon": NEARLY_CLEAN["two points"]},
    "deleted, with the labelling tool's keys": {
        "date": "12-Feb-2015 12:15:37",
        "deleted": 1,
        "label": "car",
        "polygon": [[1.5, 2], "x"],
        "user": "someone",
    },
    "no points": {"label": "car", "polygon": []},
}


@pytest.mark.parametrize("obj", REJECTED_ALONE.values(), ids=REJECTED_ALONE.keys())
def test_an_object_the_exact_path_rejects_is_rejected_alike_and_the_others_kept(obj, monkeypatch):
    data = gtfine_bytes([{"label": "road", "polygon": TRIANGLE}, obj, {"label": "car", "polygon": TRIANGLE}])
    clean = read_clean(data)
    assert clean is not None
    assert clean.draw_orders == [0, 2]
    assert [order for order, _ in clean.unclean] == [1]
    fast, slow = both_paths(data, monkeypatch)
    assert len(slow.rejects) == 1
    assert everything(fast) == everything(slow)


def test_an_object_that_is_no_object_leaves_the_file_to_the_exact_path(monkeypatch):
    data = gtfine_bytes([{"label": "road", "polygon": TRIANGLE}, [1, 2]])
    assert read_clean(data) is None
    fast, slow = both_paths(data, monkeypatch)
    assert [r["reason"] for r in slow.rejects] == ["bad_object"]
    assert everything(fast) == everything(slow)


@pytest.mark.parametrize(
    "obj",
    [
        {"label": "spaceship", "polygon": [[0, 0], {"a": 1}]},  # an object inside: keys deeper
        {"label": "spaceship", "polygon": TRIANGLE, "note": "a {brace} in a string"},
    ],
    ids=["an object inside", "a brace in a string"],
)
def test_a_rejected_object_that_cannot_be_read_alone_as_in_the_file_leaves_it_to_the_exact_path(obj, monkeypatch):
    data = gtfine_bytes([{"label": "road", "polygon": TRIANGLE}, obj])
    assert read_clean(data) is None
    fast, slow = both_paths(data, monkeypatch)
    assert everything(fast) == everything(slow)


@pytest.mark.parametrize("depth", [300, 1000])
def test_a_rejected_object_nested_deeper_than_orjson_writes_back_leaves_the_file_to_the_exact_path(depth, monkeypatch):
    """The colons of the labelling tool's date outnumber the keys, so the exact path writes the
    document back to look for a dropped key; orjson cannot past 254 levels, and the standard
    library then reads it, up to about 985 levels. Found by an adversarial review: at 1000 levels
    the exact path refused the file and this path kept its first object."""
    deep = b"[" * depth + b"]" * depth
    data = (
        (
            b'{"imgHeight": 1024, "imgWidth": 2048, "objects": [OBJ, {"date": "12-Feb-2015 12:15:37", "deleted": 1, '
            b'"label": "car", "polygon": DEEP}]}'
        )
        .replace(b"OBJ", OBJ)
        .replace(b"DEEP", deep)
    )
    assert read_clean(data) is None
    fast, slow = both_paths(data, monkeypatch)
    assert everything(fast) == everything(slow)


@pytest.mark.parametrize("where", ["document", "object"])
def test_an_object_of_more_keys_than_are_looked_up_leaves_the_file_to_the_exact_path(where, monkeypatch):
    """Each value looked up by its key took time growing with the square of their number (found
    by an adversarial review: 40,000 keys, 1.8 s a file)."""
    keys = {f"k{i}": i for i in range(MAX_KEYS_LOOKED_UP + 1)}
    objects = [{"label": "car", "polygon": TRIANGLE, **(keys if where == "object" else {})}]
    data = gtfine_bytes(objects, **(keys if where == "document" else {}))
    assert read_clean(data) is None
    fast, slow = both_paths(data, monkeypatch)
    assert slow.labels == ["car"]
    assert everything(fast) == everything(slow)


def test_a_duplicated_key_in_a_rejected_object_leaves_the_file_to_the_exact_path(monkeypatch):
    data = (
        b'{"imgHeight": 1024, "imgWidth": 2048, "objects": [OBJ, {"label": "spaceship", "label": "car", '
        b'"polygon": [[0, 0], [5, 0], [0, 5]], "deleted": 1}]}'
    ).replace(b"OBJ", OBJ)
    assert read_clean(data) is None
    fast, slow = both_paths(data, monkeypatch)
    assert [r["reason"] for r in slow.rejects] == ["duplicate_key"]
    assert everything(fast) == everything(slow)


rejected_object = st.one_of(
    st.fixed_dictionaries(
        {"label": st.sampled_from(["road", "car", "spaceship"]), "polygon": st.just(TRIANGLE)},
        optional={"deleted": st.sampled_from([0, 1, True, "", "yes"]), "user": st.just("someone")},
    ),
    st.fixed_dictionaries(
        {"label": st.sampled_from(["road", "car"]), "polygon": st.lists(st.just([1, 2]), max_size=2)}
    ),
    st.fixed_dictionaries({"polygon": st.just(TRIANGLE)}),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(clean_object, rejected_object), min_size=1, max_size=12), st.sampled_from([4, None]))
def test_any_mix_of_clean_and_rejected_objects_gives_the_same_records_on_both_paths(objects, indent):
    data = gtfine_bytes(objects, indent)
    with pytest.MonkeyPatch.context() as monkeypatch:
        fast, slow = both_paths(data, monkeypatch)
    assert everything(fast) == everything(slow)
    if slow.labels:  # a file of which the exact path keeps something is read here
        assert read_clean(data) is not None


DOCUMENTS = {
    # simdjson keeps a duplicated key's first value, orjson its last: only the exact path decides
    "duplicated top-level key": b'{"imgHeight": 1024, "imgWidth": 9, "imgWidth": 2048, "objects": [OBJ]}',
    "duplicated key in an object": b'{"imgHeight": 1024, "imgWidth": 2048, "objects": [{"label": "car", '
    b'"label": "road", "polygon": [[0, 0], [5, 0], [0, 5]]}]}',
    "duplicated key deeper": b'{"imgHeight": 1024, "imgWidth": 2048, "note": {"a": 1, "a": 2}, "objects": [OBJ]}',
    "duplicated key in an object's value": b'{"imgHeight": 1024, "imgWidth": 2048, "objects": [{"label": "car", '
    b'"polygon": [[0, 0], [5, 0], [0, 5]], "tool": {"a": 1, "a": 2}}]}',
    "an escape": b'{"imgHeight": 1024, "imgWidth": 2048, "objects": [{"label": "c\\u0061r", '
    b'"polygon": [[0, 0], [5, 0], [0, 5]]}]}',
    "not UTF-8": b'{"imgHeight": 1024, "imgWidth": 2048, "objects": [OBJ], "user": "\xff"}',
    "malformed": b'{"imgHeight": 1024, "imgWidth": 2048, "objects": [OBJ]',
    "trailing text": b'{"imgHeight": 1024, "imgWidth": 2048, "objects": [OBJ]} x',
    "NaN": b'{"imgHeight": 1024, "imgWidth": NaN, "objects": [OBJ]}',
    # what the standard library reads (the exact path's second reader) and simdjson refuses
    "Infinity": b'{"imgHeight": 1024, "imgWidth": Infinity, "objects": [OBJ]}',
    "a number beyond float64": b'{"imgHeight": 1024, "imgWidth": 2048, "objects": [OBJ], "id": 1e400}',
    "a control character in a string": b'{"imgHeight": 1024, "imgWidth": 2048, "objects": [OBJ], "user": "a\tb"}',
    "a list at the top": b"[OBJ]",
    "no objects": b'{"imgHeight": 1024, "imgWidth": 2048, "objects": []}',
    "objects not a list": b'{"imgHeight": 1024, "imgWidth": 2048, "objects": {"a": OBJ}}',
    "side of 0": b'{"imgHeight": 0, "imgWidth": 2048, "objects": [OBJ]}',
    "side too large": b'{"imgHeight": 1024, "imgWidth": %d, "objects": [OBJ]}' % (MAX_IMAGE_SIDE + 1),
    "side a float": b'{"imgHeight": 1024.0, "imgWidth": 2048, "objects": [OBJ]}',
    "side a boolean": b'{"imgHeight": true, "imgWidth": 2048, "objects": [OBJ]}',
    "side beyond 64 bits": b'{"imgHeight": 123456789012345678901234, "imgWidth": 2048, "objects": [OBJ]}',
    "too many objects": b'{"imgHeight": 1024, "imgWidth": 2048, "objects": [%s]}'
    % b",".join([b"OBJ"] * (MAX_OBJECTS_PER_FILE + 1)),
    "nested too deep": b'{"imgHeight": 1024, "imgWidth": 2048, "objects": [OBJ], "x": '
    + b"[" * 5000
    + b"]" * 5000
    + b"}",
    "a list of empty lists": b'{"imgHeight":1024,"imgWidth":2048,"objects":[{"label":"road","polygon":['
    + b",".join([b"[]"] * 1_400_000)
    + b"]}]}",
}
OBJ = b'{"label": "car", "polygon": [[0, 0], [5, 0], [0, 5]]}'


@pytest.mark.parametrize("text", DOCUMENTS.values(), ids=DOCUMENTS.keys())
def test_a_file_that_is_not_clean_is_left_to_the_exact_path(text, monkeypatch):
    data = text.replace(b"OBJ", OBJ)
    assert read_clean(data) is None
    fast, slow = both_paths(data, monkeypatch)
    assert everything(fast) == everything(slow)


def test_a_byte_order_mark_leaves_the_file_to_the_exact_path(monkeypatch):
    """simdjson skips it; orjson refuses it, so the exact path reads the file with the standard
    library, whose limit of nesting is not simdjson's: the file is the exact path's."""
    data = b"\xef\xbb\xbf" + gtfine_bytes([{"label": "car", "polygon": TRIANGLE}])
    assert read_clean(data) is None
    fast, slow = both_paths(data, monkeypatch)
    assert slow.labels == ["car"]
    assert everything(fast) == everything(slow)


@pytest.mark.parametrize("name", CASES)
def test_every_hostile_case_gives_the_exact_paths_records(name, monkeypatch):
    rel, data, _, _ = CASES[name]
    fast, slow = both_paths(data, monkeypatch, place(rel))
    assert everything(fast) == everything(slow)


def test_a_file_after_one_that_was_refused_midway_is_read_again():
    """The parser refuses a new file while an object of the last one lives: a refusal half-way
    through a file must leave none alive, or every file after it would leave the fast path."""
    beyond_64_bits = {"label": "car", "polygon": [[2**63, 0], *TRIANGLE]}  # simdjson's buffer raises
    raising = {
        "among clean objects": [{"label": "road", "polygon": TRIANGLE}, beyond_64_bits],
        "beside an object rejected": [{"label": "road", "polygon": TRIANGLE[:2]}, beyond_64_bits],
    }
    clean = gtfine_bytes([{"label": "road", "polygon": TRIANGLE}])
    for objects in raising.values():
        assert read_clean(gtfine_bytes(objects)) is None
        assert read_clean(clean) is not None


def test_a_duplicate_image_is_left_to_the_exact_path_which_rejects_it(monkeypatch):
    src = source_file(gtfine_bytes([{"label": "road", "polygon": TRIANGLE}]))
    parsed = gtfine.parse_gtfine(src, duplicate_of="gtFine/val/ulm/" + NAME)
    assert parsed.image is None
    assert [r["reason"] for r in parsed.rejects] == ["duplicate_image"]


def test_the_replicas_files_take_the_fast_path_with_the_exact_records(small_replica: Path, monkeypatch):
    files = sorted(small_replica.glob("gtFine/*/*/*_gtFine_polygons.json"))
    taken = 0
    for path in files:
        src = source_file(path.read_bytes(), path.relative_to(small_replica).as_posix())
        taken += read_clean(src.data) is not None
        assert everything(gtfine.parse_gtfine(src)) == everything(exact(src, monkeypatch)), path.name
    # the replica's faults are objects the exact path rejects one by one (deleted, too few points),
    # which this path reads as well: every file takes it
    assert len(files) >= 90
    assert taken == len(files)
