"""The web's scenario catalog: the same scenarios as ``load_scenario``, paths kept inside their folders."""

from __future__ import annotations

from pathlib import Path

import pytest

from aralnexus.errors import InputError
from aralnexus.scenario import load_scenario
from aralnexus.web.catalog import Catalog, check_file_name
from aralnexus.web.config import WebConfig, repository_examples


@pytest.fixture
def catalog(tmp_path: Path) -> Catalog:
    return Catalog(WebConfig(store=tmp_path / "s.duckdb", scenarios=tmp_path, examples=repository_examples()))


def test_the_shared_default_dataset_gives_the_same_scenarios_as_load_scenario(catalog: Catalog) -> None:
    """Validating with the dataset loaded once changes nothing: the overlay never alters it."""
    examples = repository_examples()
    assert examples is not None
    for name in ("casa1000_2030.yaml", "rogun_slow.yaml"):  # the second after the first changed links
        text = (examples / name).read_text(encoding="utf-8")
        ours = catalog.load_text(text, name, "examples")
        fresh = load_scenario(examples / name)
        assert ours.content_hash == fresh.content_hash
        assert ours.overrides == fresh.overrides


def test_listing_follows_changes_to_the_folder(catalog: Catalog, tmp_path: Path) -> None:
    before = [e.file for e in catalog.entries() if e.source == "user"]
    (tmp_path / "added.yaml").write_text("name: added\n", encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not a scenario", encoding="utf-8")
    after = [e for e in catalog.entries() if e.source == "user"]
    assert before == [] and [e.file for e in after] == ["added.yaml"] and after[0].name == "added"


@pytest.mark.parametrize(
    "name", ["", "..", "../a.yaml", "/etc/passwd", "a/b.yaml", "a.yaml\n", "é.yaml", "x" * 90 + ".yaml"]
)
def test_only_plain_yaml_file_names_are_accepted(name: str) -> None:
    with pytest.raises(InputError, match=r"a file name such as my-scenario\.yaml"):
        check_file_name(name)


def test_a_symlink_out_of_the_folder_is_not_followed(catalog: Catalog, tmp_path: Path) -> None:
    outside = tmp_path.parent / f"{tmp_path.name}-outside.yaml"
    outside.write_text("name: secret\n", encoding="utf-8")
    (tmp_path / "link.yaml").symlink_to(outside)
    with pytest.raises(InputError, match="inside the scenarios folder"):
        catalog.read("user", "link.yaml")
    assert all(e.file != "link.yaml" for e in catalog.entries())
