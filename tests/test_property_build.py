"""Property: whatever one file of a small replica holds, the build publishes and conserves what it read.

Random bytes or random JSON structures (shaped like an annotation, or not) replace one file; the
build must succeed, keep objects + object rejects = objects read, and name every file in `images`
or `rejects`.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cityscapes_warehouse import Warehouse

KEYS = ["imgWidth", "imgHeight", "objects", "label", "polygon", "deleted", "size", "points", "tags", "name"]
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(["road", "car", "out of roi", "spaceship"]),
)
structures = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=6),
        st.dictionaries(st.one_of(st.sampled_from(KEYS), st.text(max_size=6)), inner, max_size=5),
    ),
    max_leaves=40,
)
points = st.lists(st.lists(st.one_of(st.integers(-(2**33), 2**33), scalars), min_size=0, max_size=3), max_size=8)
annotation_like = st.fixed_dictionaries(
    {
        "imgHeight": st.one_of(st.integers(-5, 2**64), scalars),
        "imgWidth": st.one_of(st.just(2048), st.integers(-5, 2**64), scalars),
        "objects": st.lists(
            st.one_of(
                st.fixed_dictionaries(
                    {"label": st.one_of(st.sampled_from(["road", "car"]), scalars), "polygon": points}
                ),
                structures,
            ),
            max_size=6,
        ),
    }
)
contents = st.one_of(
    st.binary(max_size=3000),
    structures.map(lambda doc: json.dumps(doc).encode()),
    annotation_like.map(lambda doc: json.dumps(doc).encode()),
)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=contents)
def test_any_content_in_one_file_builds_and_conserves_every_object_and_file(small_replica, data):
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "replica"
        shutil.copytree(small_replica / "gtFine", source / "gtFine")
        files = sorted(source.rglob("*.json"))
        files[len(files) // 2].write_bytes(data)
        wh, summary = Warehouse.build(source, Path(tmp) / "wh")
        object_rejects = wh.query("select count(*) from rejects where draw_order is not null").item()
        assert summary.objects + object_rejects == summary.objects_read
        named = {p for (p,) in wh.query("select source_path from images union select source_path from rejects").rows()}
        assert named == {p.relative_to(source).as_posix() for p in files}
