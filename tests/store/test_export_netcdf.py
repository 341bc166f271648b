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
from aralnexus.testing.sample import sample_record


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
        at = {"step": xr.DataArray(links["step"]), "link": xr.DataArray(links["link"])}
        signed = ds["flow_fwd_mw"].sel(at) - ds["flow_bwd_mw"].sel(at)
        np.testing.assert_allclose(signed.to_numpy(), links["flow_mw"].to_numpy(), rtol=1e-12)
        assert int(ds.sizes["violation"]) == len(results.violations)
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


@pytest.fixture(scope="module")
def solved() -> Results:
    """A real solve (default network, six months, fixed heads) with its labelled solution attached."""
    from aralnexus.data.dataset import load_default
    from aralnexus.dispatch.api import optimise_system
    from aralnexus.dispatch.inputs import climatology_inflows, plant_inflows_m3s
    from aralnexus.system.system import build_system_from_dataset

    dataset = load_default()
    system = build_system_from_dataset(dataset, "2027-04", "2027-09", "monthly")
    inflow = plant_inflows_m3s(system, climatology_inflows(dataset, "2027-04", "2027-09"))
    return optimise_system(system, inflow, "fixed")


def test_netcdf_export_is_the_solves_own_labelled_solution(tmp_path: Path, store: Store, solved: Results) -> None:
    record = sample_record("default", scenario_file="default", overrides=(), start="2027-04", end="2027-09")
    run_id = store.save_run(record.finished(), solved)
    [path] = export_run(store, run_id, tmp_path, "netcdf")
    own = solved.solution
    assert own is not None
    with xr.open_dataset(path) as ds:
        for name in ("energy_mwh", "storage_hm3", "spilled_m3s", "demand_mwh", "flow_fwd_mw", "flow_bwd_mw"):
            assert ds[name].dims == own[name].dims, name
            got = ds[name].sel({d: own[d].to_numpy() for d in own[name].dims})  # the store sorts elements
            np.testing.assert_allclose(got.to_numpy(), own[name].to_numpy(), rtol=1e-9, atol=1e-9, err_msg=name)
        for coord in ("plant_name", "river", "downstream", "is_reservoir", "stage_hours", "efficiency"):
            dim = own[coord].dims[0]
            got = ds[coord].sel({dim: own[dim].to_numpy()})
            np.testing.assert_array_equal(got.to_numpy(), own[coord].to_numpy(), err_msg=coord)
        assert float(ds["objective_musd"].sum()) == pytest.approx(float(own["objective_musd"].sum()))


def test_netcdf_export_of_a_run_without_dispatch_tables_is_refused_with_a_message(
    tmp_path: Path, store: Store, results: Results
) -> None:
    empty = Results(
        **{name: getattr(results, name).iloc[0:0] for name in ("plants", "countries", "links", "reservoirs")},
        releases=results.releases.iloc[0:0],
        objective=results.objective,
        violations=results.violations.iloc[0:0],
        convergence=results.convergence,
    )
    run_id = store.save_run(sample_record("bare").finished(), empty)
    args = ["results", "export", run_id, "--format", "netcdf", "--out", str(tmp_path), "--store", str(store.path)]
    out = CliRunner().invoke(app, args)
    assert out.exit_code == 2, out.output
    assert "parquet or csv" in out.output
