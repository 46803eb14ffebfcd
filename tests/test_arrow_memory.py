"""A build allocates Arrow memory from the build pool, and leaves the caller's pool as it found it."""

from __future__ import annotations

import pyarrow as pa
import pytest

from cityscapes_warehouse import Warehouse
from cityscapes_warehouse.arrow_memory import build_pool, build_pool_in_use


@pytest.fixture
def system_pool():
    """The caller's pool: the system allocator, which is neither pyarrow's default nor the build's."""
    previous = pa.default_memory_pool()
    pa.set_memory_pool(pa.system_memory_pool())
    yield pa.system_memory_pool().backend_name
    pa.set_memory_pool(previous)


def test_the_build_pool_is_jemalloc_where_pyarrow_has_it():
    try:
        pa.jemalloc_memory_pool()
    except NotImplementedError:
        pytest.skip("this pyarrow has no jemalloc: the build keeps the default pool")
    assert build_pool().backend_name == "jemalloc"


def test_a_build_allocates_from_the_build_pool_and_gives_the_callers_back(tmp_path, tiny_folder, system_pool):
    seen = []
    Warehouse.build(tiny_folder, tmp_path / "wh", progress=lambda done, total: seen.append(_pool()))
    assert seen and set(seen) == {build_pool().backend_name} != {system_pool}
    assert _pool() == system_pool


def test_a_failed_build_gives_the_callers_pool_back(tmp_path, system_pool):
    with pytest.raises(Exception):  # noqa: B017,PT011 (any failure: what matters is the pool after it)
        Warehouse.build(tmp_path / "no such source", tmp_path / "wh")
    assert _pool() == system_pool


def test_the_pool_is_given_back_when_the_work_inside_raises(system_pool):
    with pytest.raises(RuntimeError), build_pool_in_use():
        raise RuntimeError("stop")
    assert _pool() == system_pool


def _pool() -> str:
    return pa.default_memory_pool().backend_name
