"""The synthetic gtFine replica: format, determinism, counts and planted faults.

Counts are recomputed from the written files with the standard json module, never taken from the
generator's own bookkeeping, so a test fails when the files and truth.json disagree.
"""

from __future__ import annotations

import json
import zipfile
from collections import Counter
from pathlib import Path

import pytest
import shapely

from cityscapes_warehouse import published
from cityscapes_warehouse.replica import ZIP_NAME, write_replica

SCALE = 0.02
FRAME_LABELS = {"ego vehicle", "rectification border", "out of roi"}
X_MAX, Y_MAX = 2047, 1023


def _files(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted((out / "gtFine").rglob("*.json"))}


def _parsed(out: Path) -> list[tuple[str, str, dict]]:
    """(split, city, annotation) per polygon file."""
    return [(Path(name).parts[1], Path(name).parts[2], json.loads(data)) for name, data in _files(out).items()]


def _is_counted(obj: dict) -> bool:
    return len(obj["polygon"]) >= 3 and not obj.get("deleted")


def _recount(annotations: list[tuple[str, str, dict]]) -> dict:
    """The published figures, recomputed from parsed files."""
    splits = {s: {"images": 0, "objects": 0} for s in published.SPLITS}
    cities: dict[str, dict] = {}
    classes: dict[str, dict] = {}
    for split, city, annotation in annotations:
        splits[split]["images"] += 1
        cities.setdefault(city, {"split": split, "images": 0})["images"] += 1
        labels = Counter(obj["label"] for obj in annotation["objects"] if _is_counted(obj))
        splits[split]["objects"] += sum(labels.values())
        for label, objects in labels.items():
            figures = classes.setdefault(
                label,
                {
                    "images": 0,
                    "objects": 0,
                    "images_per_split": dict.fromkeys(published.SPLITS, 0),
                    "objects_per_split": dict.fromkeys(published.SPLITS, 0),
                },
            )
            figures["images"] += 1
            figures["objects"] += objects
            figures["images_per_split"][split] += 1
            figures["objects_per_split"][split] += objects
    return {"splits": splits, "cities": cities, "classes": classes}


def _geometry(obj: dict) -> shapely.Polygon:
    points = obj["polygon"]
    if obj["label"] == "out of roi":
        return shapely.Polygon(points[:5], [points[5:]])
    return shapely.Polygon(points)


def _symptoms(obj: dict) -> list[str]:
    """Every fault an object shows, named like the keys of truth.json's `faults`."""
    points = obj["polygon"]
    if len(points) < 3:
        return [f"points_{len(points)}"]
    found = ["deleted"] if obj.get("deleted") else []
    if any(not (0 <= x <= X_MAX and 0 <= y <= Y_MAX) for x, y in points):
        found.append("outside_border")
    if any(a == b for a, b in zip(points, points[1:], strict=False)):
        found.append("repeated_vertex")
    if not _geometry(obj).is_valid:
        found.append("self_intersecting")
    if obj["label"] not in FRAME_LABELS and any(x in (0, X_MAX) or y in (0, Y_MAX) for x, y in points):
        found.append("on_border")
    return found


@pytest.fixture(scope="module")
def replica(tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("replica")
    return out, write_replica(out, seed=0, scale=SCALE, make_zip=True, workers=2)


@pytest.fixture(scope="module")
def annotations(replica) -> list[tuple[str, str, dict]]:
    return _parsed(replica[0])


@pytest.fixture(scope="module")
def objects_with_symptoms(annotations) -> list[tuple[str, dict, list[str]]]:
    return [(split, obj, _symptoms(obj)) for split, _, a in annotations for obj in a["objects"]]


def test_rewriting_with_one_worker_gives_identical_files(replica, tmp_path):
    out, _ = replica
    write_replica(tmp_path, seed=0, scale=SCALE, workers=1)
    assert _files(tmp_path) == _files(out)


def test_zip_is_byte_identical_when_rewritten(replica, tmp_path):
    out, _ = replica
    write_replica(tmp_path, seed=0, scale=SCALE, make_zip=True)
    assert (tmp_path / ZIP_NAME).read_bytes() == (out / ZIP_NAME).read_bytes()


def test_another_seed_changes_the_geometry(replica, tmp_path):
    out, _ = replica
    write_replica(tmp_path, seed=1, scale=SCALE)
    assert _files(tmp_path).keys() == _files(out).keys()
    assert _files(tmp_path) != _files(out)


def test_another_seed_keeps_every_count(replica, tmp_path):
    _, truth = replica
    other = write_replica(tmp_path, seed=1, scale=SCALE)
    for key in ("images", "objects", "raw_objects", "splits", "cities", "classes", "faults"):
        assert other[key] == truth[key], key


def test_files_are_formatted_like_python2_json_dump(replica):
    out, _ = replica
    files = _files(out)
    for name in sorted(files)[::7]:
        text = files[name].decode("ascii")
        assert text == json.dumps(json.loads(text), indent=4, separators=(", ", ": ")), name


def test_files_are_named_like_gtfine(replica):
    out, _ = replica
    names = _files(out)
    assert "gtFine/train/aachen/aachen_000000_000019_gtFine_polygons.json" in names
    assert all(n.endswith("_000019_gtFine_polygons.json") for n in names)


def test_every_image_is_2048_by_1024(annotations):
    assert {(a["imgWidth"], a["imgHeight"]) for _, _, a in annotations} == {(2048, 1024)}


def test_split_figures_recounted_from_files_match_truth(replica, annotations):
    assert _recount(annotations)["splits"] == replica[1]["splits"]


def test_city_images_recounted_from_files_match_truth(replica, annotations):
    assert _recount(annotations)["cities"] == replica[1]["cities"]


def test_class_figures_recounted_from_files_match_truth(replica, annotations):
    assert _recount(annotations)["classes"] == replica[1]["classes"]


def test_small_replica_keeps_every_city_and_all_40_classes(replica):
    _, truth = replica
    assert set(truth["cities"]) == set(published.CITY_FIGURES)
    assert set(truth["labels"]) == set(published.CLASS_FIGURES)


def test_test_split_holds_only_the_frame_labels(annotations):
    test_labels = {o["label"] for split, _, a in annotations if split == "test" for o in a["objects"]}
    assert test_labels == published.TEST_SPLIT_LABELS


def test_raw_object_count_is_counted_objects_plus_extra_faults(replica, annotations):
    _, truth = replica
    raw = sum(len(a["objects"]) for _, _, a in annotations)
    extra = sum(truth["faults"][k] for k in ("points_0", "points_1", "points_2", "deleted"))
    assert raw == truth["raw_objects"] == truth["objects"] + extra


def test_each_object_shows_at_most_one_fault(objects_with_symptoms):
    assert [s for _, _, s in objects_with_symptoms if len(s) > 1] == []


def test_fault_counts_recounted_from_files_match_truth(replica, objects_with_symptoms):
    found = Counter(s[0] for _, _, s in objects_with_symptoms if s)
    assert dict(found) == replica[1]["faults"]
    assert all(count >= 1 for count in replica[1]["faults"].values())


def test_faults_occur_only_in_train_and_val(objects_with_symptoms):
    assert {split for split, _, s in objects_with_symptoms if s} <= {"train", "val"}


def test_every_fault_free_polygon_is_valid_and_in_bounds(objects_with_symptoms):
    for _, obj, symptoms in objects_with_symptoms:
        if not symptoms:
            assert _geometry(obj).is_valid, obj["label"]
            assert all(0 <= x <= X_MAX and 0 <= y <= Y_MAX for x, y in obj["polygon"]), obj["label"]


def test_out_of_roi_is_the_image_frame_with_a_hole_strictly_inside(annotations):
    for _, _, a in annotations:
        (roi,) = [o["polygon"] for o in a["objects"] if o["label"] == "out of roi"]
        assert roi[:5] == [[0, 0], [2047, 0], [2047, 1023], [0, 1023], [0, 0]]
        assert all(0 < x < X_MAX and 0 < y < Y_MAX for x, y in roi[5:])


def test_frame_labels_are_drawn_last_with_out_of_roi_on_top(annotations):
    for _, _, a in annotations:
        labels = [o["label"] for o in a["objects"]]
        assert labels[-1] == "out of roi"
        first_frame = min(labels.index(name) for name in FRAME_LABELS if name in labels)
        assert set(labels[first_frame:]) <= FRAME_LABELS


def test_ego_vehicle_is_a_bottom_band_of_published_size(annotations):
    for _, _, a in annotations:
        (ego,) = [o["polygon"] for o in a["objects"] if o["label"] == "ego vehicle"]
        xs, ys = [x for x, _ in ego], [y for _, y in ego]
        assert 1758 <= max(xs) - min(xs) + 1 <= 2024
        assert 180 <= max(ys) - min(ys) + 1 <= 228
        assert max(ys) == Y_MAX


def test_images_with_rectification_borders_have_four(annotations):
    counts = {sum(o["label"] == "rectification border" for o in a["objects"]) for _, _, a in annotations}
    assert counts == {0, 4}


def test_zip_holds_the_folder_bytes_and_synthetic_notices(replica):
    out, _ = replica
    with zipfile.ZipFile(out / ZIP_NAME) as zf:
        names = zf.namelist()
        members = {n: zf.read(n) for n in names if n.startswith("gtFine/")}
        notices = [zf.read("README").decode(), zf.read("license.txt").decode()]
    assert names == sorted(names)
    assert members == _files(out)
    assert all("SYNTHETIC" in notice for notice in notices)


def test_some_objects_carry_the_labelling_tool_keys(replica, annotations):
    with_keys = [o for _, _, a in annotations for o in a["objects"] if "verified" in o]
    assert len(with_keys) == replica[1]["objects_with_tool_keys"] > 0
    assert {o["deleted"] for o in with_keys} == {0, 1}


@pytest.mark.parametrize("theirs", ["gtFine", "gtFine_trainvaltest.zip", "truth.json"])
def test_refuses_to_overwrite_what_it_did_not_write(tmp_path, theirs):
    """The licensed download kept as a zip, as the README advises, is never replaced by a replica."""
    if theirs == "gtFine":
        (tmp_path / theirs).mkdir()
    else:
        (tmp_path / theirs).write_text("the user's own")
    with pytest.raises(FileExistsError, match=f"{theirs} already there and not written by this tool"):
        write_replica(tmp_path, scale=0.005, make_zip=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == [theirs]
    assert theirs == "gtFine" or (tmp_path / theirs).read_text() == "the user's own"


def test_refuses_to_write_into_a_warehouse(tmp_path, tiny_warehouse):
    with pytest.raises(FileExistsError, match="is a warehouse"):
        write_replica(tiny_warehouse.path, scale=0.005)


def test_rewriting_at_another_scale_leaves_no_stale_file(tmp_path):
    write_replica(tmp_path, seed=3, scale=0.01)
    truth = write_replica(tmp_path, seed=3, scale=0.005)
    assert len(_files(tmp_path)) == truth["images"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["gtFine", "truth.json"]


def test_an_interrupted_replica_is_cleared_by_the_next_run(tmp_path):
    stale = tmp_path / "gtFine" / "train" / "nowhere" / "stale.json"
    stale.parent.mkdir(parents=True)
    stale.write_text("{}")
    (tmp_path / ".replica-incomplete").write_text("")
    write_replica(tmp_path, scale=0.005)
    assert not stale.exists()


def test_truth_json_on_disk_equals_returned_truth(replica):
    out, truth = replica
    assert json.loads((out / "truth.json").read_text()) == truth


def test_progress_reports_every_file(tmp_path):
    calls = []
    truth = write_replica(tmp_path, scale=0.005, progress=lambda done, total: calls.append((done, total)))
    assert calls[-1] == (truth["images"], truth["images"])
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)


@pytest.mark.full_scale
def test_full_replica_matches_every_published_figure(tmp_path):
    write_replica(tmp_path)
    recount = _recount(_parsed(tmp_path))
    assert sum(s["images"] for s in recount["splits"].values()) == published.TOTAL_IMAGES
    assert sum(s["objects"] for s in recount["splits"].values()) == published.TOTAL_OBJECTS
    for split, figures in published.SPLIT_FIGURES.items():
        assert recount["splits"][split] == {"images": figures.images, "objects": figures.objects}
    for city, figures in published.CITY_FIGURES.items():
        assert recount["cities"][city] == {"split": figures.split, "images": figures.images}
    assert len(recount["classes"]) == published.TOTAL_CLASSES
    for label, figures in published.CLASS_FIGURES.items():
        found = recount["classes"][label]
        assert (found["images"], found["objects"]) == (figures.images, figures.objects), label
        assert found["objects_per_split"] == {s: figures.objects_in(s) for s in published.SPLITS}, label
