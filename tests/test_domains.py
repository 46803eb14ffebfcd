"""Cities, splits and labels are declared once in code; the suites and the dataset card follow them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cityscapes_warehouse.checks.domains import (
    CARD_BEGIN,
    CARD_END,
    card_section,
    domain_suite_texts,
    domains,
    with_card_section,
    with_domains,
)
from cityscapes_warehouse.labels import LABELS
from cityscapes_warehouse.published import CITY_FIGURES

FIX = "run from the checkout: python -m cityscapes_warehouse.checks.domains"
CARD = Path(__file__).resolve().parent.parent / "data" / "README.md"


def test_the_declarations_are_the_whole_dataset():
    declared = domains()
    assert len(declared["images.integrity"]["city"]) == 27 == len(CITY_FIGURES)
    assert declared["images.integrity"]["split"] == ["train", "val", "test"]
    assert len(declared["objects.integrity"]["label"]) == 41 == len(LABELS)


@pytest.mark.parametrize("path", list(domain_suite_texts()), ids=lambda p: p.name)
def test_committed_suite_checks_the_declared_values(path):
    assert path.read_text() == domain_suite_texts()[path], FIX


def test_committed_dataset_card_lists_the_declared_cities_and_labels():
    assert with_card_section(CARD.read_text()) == CARD.read_text(), FIX


def test_the_card_section_names_every_city_and_label():
    section = card_section()
    assert all(f"{city} ({f.images})" in section for city, f in CITY_FIGURES.items())
    assert all(f"| {name} | {label.label_id} |" in section for name, label in LABELS.items())


SUITE = {
    "name": "images.integrity",
    "meta": {"purpose": "integrity", "required": True},
    "expectations": [
        {
            "meta": {"group": "domains", "key": "city"},
            "type": "expect_column_values_to_be_in_set",
            "kwargs": {"column": "city", "value_set": ["aachen"]},
        },
        {
            "meta": {"group": "image size positive", "key": "width >= 1"},
            "type": "expect_column_values_to_be_between",
            "kwargs": {"column": "width", "min_value": 1},
        },
    ],
}


def test_a_suite_copy_that_lags_the_declaration_is_rewritten():
    rewritten = with_domains(json.loads(json.dumps(SUITE)), {"city": ["aachen", "bonn"]})
    assert rewritten["expectations"][0]["kwargs"]["value_set"] == ["aachen", "bonn"]
    assert rewritten["expectations"][1] == SUITE["expectations"][1]


def test_a_suite_without_the_domain_check_is_refused():
    with pytest.raises(ValueError, match="no expect_column_values_to_be_in_set on label"):
        with_domains(SUITE, {"label": ["car"]})


def test_a_card_without_the_markers_is_refused():
    with pytest.raises(ValueError, match="no section between"):
        with_card_section("# a card\n")


def test_the_card_section_is_replaced_between_its_markers():
    card = f"head\n{CARD_BEGIN}\nstale\n{CARD_END}\ntail\n"
    assert with_card_section(card) == f"head\n{card_section()}\ntail\n"
