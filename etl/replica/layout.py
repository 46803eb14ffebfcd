"""Where the replica's files go and how their text looks, byte for byte.

The gtFine polygon files were written by Python 2's `json.dump(obj, indent=4)`: one number per
line and ", " as item separator, so lines end in a space. Python 3 writes the same text with
`json.dumps(obj, indent=4, separators=(", ", ": "))`, but its indenting encoder is pure Python and
far too slow for millions of vertices, so polygons are formatted here from a cached template.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

import numpy as np

from .shapes import HEIGHT_PX, WIDTH_PX

FRAME_NUMBER = 19  # gtFine annotates the 20th frame of each 30-frame snippet

_VERTEX = "                [\n                    %d, \n                    %d\n                ]"
_FIELD_INDENT = "            "


def polygon_file_path(split: str, city: str, stem: str) -> str:
    return f"gtFine/{split}/{city}/{stem}_gtFine_polygons.json"


def label_image_path(split: str, city: str, stem: str, kind: str) -> str:
    """Where the release keeps an image's label PNG; `kind` is "labelIds" or "instanceIds"."""
    return f"gtFine/{split}/{city}/{stem}_gtFine_{kind}.png"


@lru_cache(maxsize=4096)
def _polygon_template(vertices: int) -> str:
    return "[\n" + ", \n".join([_VERTEX] * vertices) + "\n" + _FIELD_INDENT + "]"


def _polygon_text(polygon: np.ndarray) -> str:
    if len(polygon) == 0:
        return "[]"
    return _polygon_template(len(polygon)) % tuple(polygon.ravel().tolist())


def object_text(label: str, polygon: np.ndarray, tool_keys: dict[str, Any] | None) -> str:
    """One object of a polygon file, indented as in the file's `objects` list."""
    fields = {"label": json.dumps(label), "polygon": _polygon_text(polygon)}
    if tool_keys:
        fields.update({key: json.dumps(value) for key, value in tool_keys.items()})
    # The labelling tool wrote its keys sorted.
    lines = [f'{_FIELD_INDENT}"{key}": {fields[key]}' for key in sorted(fields)]
    return "        {\n" + ", \n".join(lines) + "\n        }"


def file_text(object_texts: list[str], width: int = WIDTH_PX, height: int = HEIGHT_PX) -> str:
    """A whole polygon file around its objects' texts, as Python 2 json.dump wrote it."""
    header = f'{{\n    "imgHeight": {height}, \n    "imgWidth": {width}, \n    "objects": '
    if not object_texts:
        return header + "[]\n}"
    return header + "[\n" + ", \n".join(object_texts) + "\n    ]\n}"


def polygon_file_text(objects: list[tuple[str, np.ndarray, dict[str, Any] | None]]) -> str:
    """The whole file for (label, polygon, tool keys) objects."""
    return file_text([object_text(label, polygon, keys) for label, polygon, keys in objects])
