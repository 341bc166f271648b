"""``results export --format netcdf``: the stored run as one labelled netCDF file, values equal to the tables."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from typer.testing import CliRunner

from aralnexus.cli.app import app
from aralnexus.results import Results
from aralnexus.store import RunRecord, Store
from aralnexus.store.export import export_run
from aralnexus.store.labelled import run_dataset


def test_netcdf_export_holds_every_table_value_on_named_dimensions(
    tmp_path: Path, store: Store, record: RunRecord, results: Results
) -> None:
    run_id = store.save_run(record, results)
    [path] = export_run(store, run_id, tmp_path, "netcdf")
    assert path == tmp_path / run_id / "solution.nc"
    with xr.open_dataset(path) as ds:
        assert {"step", "stage", "plant", "country", "link", "release", "term"} <= set(ds.dims)
        assert ds.attrs["run_id"] == run_id
        plants = results.plants
        energy = ds["energy_mwh"].sel(step=xr.DataArray(plants["step"]), plant=xr.DataArray(plants["plant"]))
        np.testing.assert_allclose(energy.to_numpy(), plants["energy_mwh"].to_numpy(), rtol=1e-12)
        first = plants.sort_values("step").drop_duplicates(["time", "plant"])
        stage = ds["step_stage"].sel(step=xr.DataArray(first["step"]))
        storage = ds["storage_hm3"].sel(stage=stage, plant=xr.DataArray(first["plant"]))
        np.testing.assert_allclose(storage.to_numpy(), first["storage_hm3"].to_numpy(), rtol=1e-12)
        links = results.links
        sent = ds["link_energy_mwh"].sel(step=xr.DataArray(links["step"]), link=xr.DataArray(links["link"]))
        np.testing.assert_allclose(sent.to_numpy(), links["energy_mwh"].to_numpy(), rtol=1e-12)
        assert float(ds["objective_musd"].sum()) == pytest.approx(results.objective_musd)
        assert float(ds["unserved_mwh"].sum()) == pytest.approx(results.countries["unserved_mwh"].sum())
        assert list(ds["plant_country"].sel(plant="nurek").values.ravel()) == ["TJ"]


def test_stage_values_are_the_same_in_every_step_of_a_stage(store: Store, record: RunRecord, results: Results) -> None:
    run_id = store.save_run(record, results)
    ds = run_dataset(store, run_id)
    per_stage = results.plants.groupby(["time", "plant"])[["storage_hm3", "head_m", "spilled_m3s"]].nunique()
    assert (per_stage <= 1).all().all()  # the premise of putting them on (stage, plant)
    assert ds.sizes["stage"] == results.plants["time"].nunique()


def test_results_export_netcdf_command(tmp_path: Path, store: Store, record: RunRecord, results: Results) -> None:
    run_id = store.save_run(record, results)
    args = ["results", "export", run_id[:6], "--format", "netcdf", "--out", str(tmp_path), "--store", str(store.path)]
    out = CliRunner().invoke(app, [*args, "--json"])
    assert out.exit_code == 0, out.output
    summary = json.loads(out.output)
    assert summary["format"] == "netcdf" and summary["files"] == [str(tmp_path / run_id / "solution.nc")]
    with xr.open_dataset(summary["files"][0]) as ds:
        assert ds.sizes["plant"] == results.plants["plant"].nunique()
