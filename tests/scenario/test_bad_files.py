"""The bad-file corpus: each file under bad/ names the message fragments it must produce.

A file's header lines ``# expect: <fragment>`` list what the single InputError message must
contain (besides the file name). The same files go through ``aralnexus validate``: exit code 2,
the fragments in the output, no traceback.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from scenario_fixture import HERE, needs_default
from typer.testing import CliRunner

from aralnexus.data.dataset import Dataset
from aralnexus.errors import InputError
from aralnexus.scenario import load_scenario

BAD = HERE / "bad"
BAD_FILES = sorted(p for p in BAD.glob("*.yaml") if p.is_file())

#: Bad inputs that cannot carry a header: path → fragments.
SPECIAL: dict[str, list[str]] = {
    "a_directory.yaml": ["a_directory.yaml", "a readable YAML scenario file", "found a directory"],
    "no_such_file.yaml": ["no_such_file.yaml", "found no such file"],
}


def expectations(path: Path) -> list[str]:
    """Return the ``# expect:`` fragments of a corpus file (bytes after a NUL are ignored)."""
    text = path.read_bytes().split(b"\x00")[0].decode("utf-8", errors="replace")
    fragments = [line.split("# expect:", 1)[1].strip() for line in text.splitlines() if "# expect:" in line]
    assert fragments, f"{path.name} has no '# expect:' lines"
    return fragments


def test_the_corpus_has_at_least_thirty_bad_files() -> None:
    assert len(BAD_FILES) + len(SPECIAL) >= 30


@pytest.mark.parametrize("path", BAD_FILES, ids=lambda p: p.stem)
def test_bad_file_is_rejected_with_file_field_expected_and_found(path: Path, base: Dataset) -> None:
    with pytest.raises(InputError) as caught:
        load_scenario(path, base=base)
    text = str(caught.value)
    assert path.name in text
    for fragment in expectations(path):
        assert fragment in text, f"{fragment!r} not in:\n{text}"


@pytest.mark.parametrize("name", sorted(SPECIAL))
def test_unreadable_source_is_one_clear_problem(name: str, base: Dataset) -> None:
    with pytest.raises(InputError) as caught:
        load_scenario(BAD / name, base=base)
    assert len(caught.value.problems) == 1
    for fragment in SPECIAL[name]:
        assert fragment in str(caught.value)


def test_missing_file_suggests_a_close_name(tmp_path: Path, base: Dataset) -> None:
    (tmp_path / "rogun_fast.yaml").write_text("name: x\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"did you mean 'rogun_fast\.yaml'"):
        load_scenario(tmp_path / "rogun_fats.yaml", base=base)


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads files without permission")
def test_file_without_read_permission_is_a_problem(tmp_path: Path, base: Dataset) -> None:
    path = tmp_path / "locked.yaml"
    path.write_text("name: x\n", encoding="utf-8")
    path.chmod(0)
    try:
        with pytest.raises(InputError, match="without read permission"):
            load_scenario(path, base=base)
    finally:
        path.chmod(0o600)


def test_several_problems_are_reported_together(base: Dataset) -> None:
    with pytest.raises(InputError) as caught:
        load_scenario(BAD / "many_problems.yaml", base=base)
    fields = {p.field for p in caught.value.problems}
    assert {"horizn", "plants.rogun.capacity_mw", "plants.nurek.downstream", "links.casa1000_pk.start"} <= fields
    assert len(caught.value.problems) >= 5


def test_problems_point_at_the_line_of_the_field(base: Dataset) -> None:
    with pytest.raises(InputError) as caught:
        load_scenario(BAD / "wrong_unit.yaml", base=base)
    (problem,) = caught.value.problems
    assert problem.file.endswith("wrong_unit.yaml:6")


runner = CliRunner()


@needs_default
@pytest.mark.parametrize("path", [*BAD_FILES, BAD / "a_directory.yaml"], ids=lambda p: p.stem)
def test_validate_command_exits_2_on_a_bad_file_without_traceback(path: Path, cli_default: Dataset) -> None:
    from aralnexus.cli.app import app  # imported here: the app registers every command module

    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    fragments = expectations(path) if path.is_file() else SPECIAL[path.name]
    flat = " ".join(result.output.split())
    for fragment in fragments:
        assert " ".join(fragment.split()) in flat, f"{fragment!r} not in:\n{result.output}"


@needs_default
@pytest.mark.parametrize("name", ["wrong_unit.yaml", "many_problems.yaml", "binary.yaml"])
def test_aralnexus_main_exits_2_with_a_clean_message(name: str) -> None:
    code = "from aralnexus.cli.app import main; main()"
    done = subprocess.run(
        [sys.executable, "-c", code, "validate", str(BAD / name)], capture_output=True, text=True, check=False
    )
    output = done.stdout + done.stderr
    assert done.returncode == 2, output
    assert "Traceback" not in output
    assert name in output
