"""Conservation, as a property: for any mix of valid and invalid objects, every object read is
either loaded or rejected, and the warehouse alone rebuilds the input files."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cityscapes_warehouse import Warehouse
from cityscapes_warehouse.config import Settings
from cityscapes_warehouse.formats import parse_file
from cityscapes_warehouse.labels import LABELS
from cityscapes_warehouse.pixels import empty_pixel_tables
from cityscapes_warehouse.roundtrip import rebuild_objects
from cityscapes_warehouse.sources import SourceFile
from cityscapes_warehouse.table_writer import write_tables
from cityscapes_warehouse.tables import TableBuilder, merge
from conftest import gtfine_text

coordinate = st.integers(min_value=-50, max_value=3000)
vertex = st.lists(coordinate, min_size=2, max_size=2)
label = st.sampled_from(sorted(LABELS))
valid = st.fixed_dictionaries({"label": label, "polygon": st.lists(vertex, min_size=3, max_size=12)})
invalid = st.one_of(
    st.fixed_dictionaries({"label": label, "polygon": st.lists(vertex, max_size=2)}),
    st.fixed_dictionaries({"label": label, "polygon": st.lists(vertex, min_size=3, max_size=5), "deleted": st.just(1)}),
    st.fixed_dictionaries(
        {
            "label": st.text(min_size=1, max_size=8).filter(lambda s: s not in LABELS),
            "polygon": st.lists(vertex, min_size=3, max_size=5),
        }
    ),
    st.fixed_dictionaries(
        {
            "label": label,
            "polygon": st.lists(
                st.lists(
                    st.one_of(coordinate, st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=3)),
                    min_size=2,
                    max_size=3,
                ),
                min_size=3,
                max_size=5,
            ),
        }
    ),
    st.fixed_dictionaries({"polygon": st.lists(vertex, min_size=3, max_size=5)}),
    st.integers(),
)
objects = st.lists(st.one_of(valid, invalid), max_size=15)
files = st.lists(objects, min_size=1, max_size=3)


def source_file(index: int, objs: list) -> SourceFile:
    name = f"ulm_{index:06d}_000019_gtFine_polygons.json"
    return SourceFile(f"gtFine/train/ulm/{name}", "train", "ulm", name, gtfine_text(objs, 2048, 1024).encode())


@given(objs=objects)
@settings(max_examples=300, deadline=None)
def test_every_object_read_is_loaded_or_rejected(objs):
    parsed = parse_file(source_file(0, objs))
    object_rejects = [r for r in parsed.rejects if r["draw_order"] is not None]
    assert parsed.objects_read == len(objs) == len(parsed.labels) + len(object_rejects)
    assert sorted(parsed.draw_orders + [r["draw_order"] for r in object_rejects]) == list(range(len(objs)))


@given(contents=files)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_the_warehouse_rebuilds_the_input(contents):
    builder = TableBuilder()
    for index, objs in enumerate(contents):
        builder.add(parse_file(source_file(index, objs)))
    with tempfile.TemporaryDirectory() as tmp:
        tables = {**merge([builder.finish()]), **empty_pixel_tables(), "build_info": _no_build_info()}
        write_tables(tables, Path(tmp) / "wh", Settings())
        rebuilt = rebuild_objects(Warehouse(Path(tmp) / "wh"))
    expected = {source_file(i, objs).source_path: objs for i, objs in enumerate(contents) if objs}
    assert rebuilt == expected


def _no_build_info():
    import pyarrow as pa

    from cityscapes_warehouse.schemas import BUILD_INFO

    return pa.Table.from_pylist([], schema=BUILD_INFO)
