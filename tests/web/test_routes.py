"""Every route of ``aralnexus serve`` in-process (Starlette's TestClient): pages, API, downloads, errors."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from plotly.offline import get_plotlyjs
from typer.testing import CliRunner

from aralnexus.cli.app import app as cli
from aralnexus.store import Store
from aralnexus.web.config import WebConfig


def token(client) -> str:  # type: ignore[no-untyped-def]
    """The page token a form of this server carries."""
    return str(client.app.state.csrf.value)


BAD_CAPACITY = "name: broken\nplants:\n  rogun:\n    capacity_mw: lots\n"


def _save(client, file: str, text: str, **extra: str):  # type: ignore[no-untyped-def]
    form = {"csrf_token": token(client), "action": "save", "source": "new", "file": file, "yaml": text, **extra}
    return client.post("/scenarios/edit", data=form, follow_redirects=False)


def test_home_redirects_to_the_scenarios_page(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/", follow_redirects=False)
    assert response.status_code == 302
    assert response.headers["location"] == "/scenarios"
    assert client.get("/health").text == "ok"


def test_scenarios_page_lists_the_examples_and_the_users_files(client, config: WebConfig) -> None:  # type: ignore[no-untyped-def]
    (config.scenarios / "mine.yaml").write_text("name: my-own\ndescription: Mine.\n", encoding="utf-8")
    page = client.get("/scenarios")
    assert page.status_code == 200
    assert "rogun-slow" in page.text  # examples/rogun_slow.yaml
    assert "my-own" in page.text
    assert 'href="/scenarios/user/mine.yaml"' in page.text
    assert 'href="/run?source=examples&amp;file=rogun_fast.yaml"' in page.text


def test_editor_opens_an_example_with_its_overrides(client) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/scenarios/examples/casa1000_2030.yaml")
    assert page.status_code == 200
    assert "links.casa1000_pk.start" in page.text
    assert "2030-05" in page.text
    assert "read-only" in page.text
    copy = client.get("/scenarios/new?from=examples/casa1000_2030.yaml")
    assert copy.status_code == 200 and "casa1000-2030" in copy.text


def test_validation_gives_the_messages_of_aralnexus_validate_at_their_lines(client, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    headers = {"X-CSRF-Token": token(client)}
    response = client.post("/api/validate", json={"yaml": BAD_CAPACITY, "file": "broken.yaml"}, headers=headers)
    assert response.status_code == 200 and response.json()["valid"] is False  # a result, not an HTTP error
    body = response.json()
    assert body["valid"] is False
    [problem] = body["problems"]
    assert problem["line"] == 4
    assert problem["field"] == "plants.rogun.capacity_mw"
    # The same problem as the CLI reports for the same file.
    path = tmp_path / "broken.yaml"
    path.write_text(BAD_CAPACITY, encoding="utf-8")
    result = CliRunner().invoke(cli, ["validate", str(path), "--json"])
    [cli_problem] = json.loads(result.stdout)["problems"]
    assert (problem["field"], problem["expected"], problem["found"], problem["hint"]) == (
        cli_problem["field"],
        cli_problem["expected"],
        cli_problem["found"],
        cli_problem["hint"],
    )


def test_a_valid_text_lists_what_it_changes(client) -> None:  # type: ignore[no-untyped-def]
    text = "name: ok\nplants:\n  rogun:\n    schedule_shift_months: 12\n"
    response = client.post(
        "/api/validate", json={"yaml": text, "file": "ok.yaml"}, headers={"X-CSRF-Token": token(client)}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["valid"] is True and body["name"] == "ok"
    assert any(o["path"].startswith("plants.rogun") for o in body["overrides"])


def test_yaml_syntax_error_is_placed_at_its_line(client) -> None:  # type: ignore[no-untyped-def]
    text = "name: x\nplants:\n  rogun: [unclosed\n"
    response = client.post(
        "/api/validate", json={"yaml": text, "file": "x.yaml"}, headers={"X-CSRF-Token": token(client)}
    )
    assert response.status_code == 200 and response.json()["valid"] is False  # a result, not an HTTP error
    [problem] = response.json()["problems"]
    assert problem["line"] is not None and problem["expected"] == "valid YAML"


def test_the_form_writes_the_common_fields_into_the_yaml(client) -> None:  # type: ignore[no-untyped-def]
    fields = {
        "casa_start": "2030-05",
        "rogun_shift": "12",
        "hydrology": "dry",
        "trade_growth": "",
        "casa_tariff": "5 c/kWh",
    }
    response = client.post(
        "/api/apply-form",
        json={"yaml": "name: formed\ntrade:\n  growth_pct_per_year: 20\n", "file": "formed.yaml", "fields": fields},
        headers={"X-CSRF-Token": token(client)},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    import yaml

    data = yaml.safe_load(body["yaml"])
    assert data["links"]["casa1000_pk"]["start"] == "2030-05" == data["links"]["casa1000_af"]["start"]
    assert data["links"]["casa1000_pk"]["tariff_usd_per_mwh"] == "5 c/kWh"  # converted by the validator
    assert data["plants"]["rogun"]["schedule_shift_months"] == 12
    assert data["hydrology"] == "dry"
    assert "trade" not in data  # an empty entry removes the key (and the section left empty)
    assert 'start: "2030-05"' in body["yaml"]  # months quoted, as the scenario docs ask
    overrides = {o["path"]: o["value"] for o in body["overrides"]}
    assert overrides["links.casa1000_pk.tariff_usd_per_mwh"] == "50"


def test_a_bad_form_value_is_reported_next_to_its_field(client) -> None:  # type: ignore[no-untyped-def]
    form = {
        "csrf_token": token(client),
        "action": "apply",
        "source": "new",
        "file": "f.yaml",
        "yaml": "name: f\n",
        "casa_start": "May 2030",
    }
    page = client.post("/scenarios/edit", data=form)
    assert page.status_code == 422
    assert 'id="msg-casa_start"><li>' in page.text.replace("\n", "").replace("  ", "")


def test_save_writes_the_file_and_never_overwrites_unasked(client, config: WebConfig) -> None:  # type: ignore[no-untyped-def]
    first = _save(client, "new-one.yaml", "name: one\n")
    assert first.status_code == 303
    assert first.headers["location"] == "/scenarios/user/new-one.yaml?saved=1"
    assert (config.scenarios / "new-one.yaml").read_text(encoding="utf-8") == "name: one\n"
    again = _save(client, "new-one.yaml", "name: two\n")
    assert again.status_code == 409
    assert (config.scenarios / "new-one.yaml").read_text(encoding="utf-8") == "name: one\n"
    forced = _save(client, "new-one.yaml", "name: two\n", overwrite="1")
    assert forced.status_code == 303
    assert (config.scenarios / "new-one.yaml").read_text(encoding="utf-8") == "name: two\n"
    # Editing one's own file saves over it.
    own = _save(client, "new-one.yaml", "name: three\n", source="user", original="new-one.yaml")
    assert own.status_code == 303
    assert client.get("/scenarios/user/new-one.yaml?saved=1").status_code == 200


def test_an_invalid_scenario_is_not_saved(client, config: WebConfig) -> None:  # type: ignore[no-untyped-def]
    response = _save(client, "broken.yaml", BAD_CAPACITY)
    assert response.status_code == 422
    assert "plants.rogun.capacity_mw" in response.text
    assert not (config.scenarios / "broken.yaml").exists()


def test_posts_without_the_page_token_or_from_another_site_are_refused(client, config: WebConfig) -> None:  # type: ignore[no-untyped-def]
    form = {"action": "save", "source": "new", "file": "x.yaml", "yaml": "name: x\n"}
    assert client.post("/scenarios/edit", data=form).status_code == 403
    assert client.post("/scenarios/edit", data={**form, "csrf_token": "guess"}).status_code == 403
    with_token = {**form, "csrf_token": token(client)}
    cross = client.post("/scenarios/edit", data=with_token, headers={"Sec-Fetch-Site": "cross-site"})
    assert cross.status_code == 403
    foreign = client.post("/scenarios/edit", data=with_token, headers={"Origin": "http://evil.example"})
    assert foreign.status_code == 403
    assert client.post("/api/validate", json={"yaml": "name: x\n"}).status_code == 403
    assert not (config.scenarios / "x.yaml").exists()
    same = client.post(
        "/scenarios/edit", data=with_token, headers={"Origin": "http://testserver"}, follow_redirects=False
    )
    assert same.status_code == 303


@pytest.mark.parametrize(
    "url",
    [
        "/scenarios/user/..%2F..%2Fetc%2Fpasswd",
        "/scenarios/user/../../etc/passwd",
        "/scenarios/examples/%2Fetc%2Fpasswd",
        "/scenarios/user/passwd",
        "/scenarios/elsewhere/x.yaml",
        "/scenarios/new?from=user/../../etc/passwd.yaml",
        "/scenarios/new?from=examples//etc/hosts.yaml",
        "/run?source=user&file=../../etc/passwd",
        "/run?source=user&file=/etc/passwd",
    ],
)
def test_paths_stay_inside_the_scenario_folders(client, url: str) -> None:  # type: ignore[no-untyped-def]
    response = client.get(url)
    assert response.status_code in (400, 404), response.status_code
    assert "root:" not in response.text and "Traceback" not in response.text


@pytest.mark.parametrize("name", ["../escape.yaml", "/tmp/abs.yaml", "sub/dir.yaml", ".hidden.yaml", "x.txt"])
def test_files_are_saved_only_by_plain_names_inside_the_folder(client, config: WebConfig, name: str) -> None:  # type: ignore[no-untyped-def]
    response = _save(client, name, "name: x\n")
    assert response.status_code == 400
    assert "a file name such as my-scenario.yaml" in response.text
    assert not Path("/tmp/abs.yaml").exists() or name != "/tmp/abs.yaml"
    assert not (config.scenarios.parent / "escape.yaml").exists()


@pytest.mark.parametrize("record", ["/etc/passwd", "../outside.csv"])
def test_an_inflow_record_outside_the_folder_is_refused_unread(client, record: str) -> None:  # type: ignore[no-untyped-def]
    text = f"name: r\nhydrology:\n  kind: record\n  record_file: {record}\n"
    response = client.post(
        "/api/validate", json={"yaml": text, "file": "r.yaml"}, headers={"X-CSRF-Token": token(client)}
    )
    assert response.status_code == 200 and response.json()["valid"] is False  # a result, not an HTTP error
    [problem] = response.json()["problems"]
    assert problem["field"] == "hydrology.record_file"
    assert problem["expected"] == "a file inside the scenarios folder"
    assert problem["line"] == 4


HOSTILE_NAME = "<script>alert('x')</script>"
HOSTILE_DESCRIPTION = '"><img src=x onerror=alert(1)>'


def test_scenario_names_and_descriptions_are_escaped_everywhere(  # type: ignore[no-untyped-def]
    client, config: WebConfig, two_runs: tuple[Store, str, str]
) -> None:
    from aralnexus.testing.sample import sample_metrics, sample_record, sample_results, sample_trade

    text = f"name: {json.dumps(HOSTILE_NAME)}\ndescription: {json.dumps(HOSTILE_DESCRIPTION)}\n"
    (config.scenarios / "hostile.yaml").write_text(text, encoding="utf-8")
    store = two_runs[0]
    results = sample_results(seed=5)
    record = sample_record(HOSTILE_NAME, seed=99, description=HOSTILE_DESCRIPTION)
    run_id = store.save_run(record.finished(), results, sample_metrics(results), sample_trade())
    pages = {
        "scenarios": client.get("/scenarios"),
        "editor": client.get("/scenarios/user/hostile.yaml"),
        "runs": client.get("/runs"),
        "filtered runs": client.get("/runs", params={"scenario": HOSTILE_NAME}),
        "run": client.get(f"/runs/{run_id}"),
        "compare": client.get(f"/compare?a={two_runs[1]}&b={run_id}"),
        "save": _save(client, "hostile2.yaml", text),
    }
    for what, page in pages.items():
        assert page.status_code in (200, 303), what
        for hostile in (HOSTILE_NAME, HOSTILE_DESCRIPTION, "<script>alert", "<img src=x"):
            assert hostile not in page.text, what
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in pages["scenarios"].text
    assert "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;" in pages["scenarios"].text
    assert "&lt;script&gt;" in pages["run"].text and "&lt;script&gt;" in pages["compare"].text


def test_request_bodies_over_the_limit_are_refused(client) -> None:  # type: ignore[no-untyped-def]
    big = "x" * (300 * 1024)
    response = client.post("/api/validate", content=big, headers={"X-CSRF-Token": token(client)})
    assert response.status_code == 413
    assert "KiB" in response.text


def test_unknown_hosts_are_refused(client) -> None:  # type: ignore[no-untyped-def]
    for host in ("evil.example", "evil.example:8000", "127.0.0.2", "[::2]:8000", "[::1", "::1]", "[nonsense]", ""):
        response = client.get("/scenarios", headers={"Host": host})
        assert response.status_code == 400, host
        assert "Traceback" not in response.text


@pytest.mark.parametrize(
    "host", ["[::1]", "[::1]:8000", "[0:0:0:0:0:0:0:1]:8123", "localhost:8000", "LOCALHOST", "127.0.0.1:8000"]
)
def test_a_loopback_server_answers_every_spelling_of_loopback_including_ipv6(client, host: str) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/health", headers={"Host": host}).status_code == 200


def test_another_ipv6_host_asked_for_is_accepted_in_brackets(config: WebConfig) -> None:
    import dataclasses

    from starlette.testclient import TestClient

    from aralnexus.web import create_app

    app = create_app(dataclasses.replace(config, allowed_hosts=(*config.allowed_hosts, "fd00::5")))
    with TestClient(app) as other:
        assert other.get("/health", headers={"Host": "[fd00::5]:8000"}).status_code == 200
        assert other.get("/health", headers={"Host": "[fd00::6]:8000"}).status_code == 400


def test_runs_page_lists_and_filters_the_stored_runs(client, two_runs: tuple[Store, str, str]) -> None:  # type: ignore[no-untyped-def]
    _store, a, b = two_runs
    everything = client.get("/runs")
    assert everything.status_code == 200
    assert a[:12] in everything.text and b[:12] in everything.text
    only = client.get("/runs?scenario=VARI")
    assert b[:12] in only.text and a[:12] not in only.text
    none = client.get("/runs?kind=ensemble")
    assert a[:12] not in none.text and "No runs match" in none.text


def test_run_page_shows_the_reports_sections_and_charts(client, two_runs: tuple[Store, str, str]) -> None:  # type: ignore[no-untyped-def]
    _store, a, _b = two_runs
    page = client.get(f"/runs/{a[:10]}")
    assert page.status_code == 200
    for section in ('id="findings"', 'id="numbers"', 'id="assumptions"', 'id="sources"'):
        assert section in page.text
    assert page.text.count('class="plotly-graph-div"') >= 4
    assert '<script src="/static/plotly.min.js">' in page.text
    assert f"/runs/{a}/download/csv" in page.text


def test_an_unknown_run_is_404_with_the_clis_message(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/runs/abcdef123456")
    assert response.status_code == 404
    assert "expected the id of a stored run, found &#39;abcdef123456&#39;" in response.text
    assert client.get("/runs/not-an-id").status_code == 400
    assert client.get("/api/jobs/nope").status_code == 404
    assert "Traceback" not in response.text


def test_downloads_are_the_runs_tables_and_report(client, two_runs: tuple[Store, str, str]) -> None:  # type: ignore[no-untyped-def]
    _store, a, _b = two_runs
    csv = client.get(f"/runs/{a}/download/csv")
    assert csv.status_code == 200 and csv.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(csv.content)) as archive:
        names = archive.namelist()
        assert f"{a}/countries.csv" in names
        countries = pd.read_csv(archive.open(f"{a}/countries.csv"))
    assert len(countries) > 0 and "unserved_mwh" in countries.columns
    parquet = client.get(f"/runs/{a}/download/parquet")
    with zipfile.ZipFile(io.BytesIO(parquet.content)) as archive:
        metrics = pd.read_parquet(io.BytesIO(archive.read(f"{a}/metrics.parquet")))
    assert len(metrics) > 0
    html = client.get(f"/runs/{a}/download/html")
    assert html.status_code == 200 and "attachment" in html.headers["content-disposition"]
    assert "plotly" in html.text and 'id="findings"' in html.text
    assert client.get(f"/runs/{a}/download/exe").status_code == 404


def test_compare_page_has_the_compare_table_and_overlaid_charts(client, two_runs: tuple[Store, str, str]) -> None:  # type: ignore[no-untyped-def]
    _store, a, b = two_runs
    assert client.get("/compare").status_code == 200
    page = client.get(f"/compare?a={a}&b={b}")
    assert page.status_code == 200
    assert 'id="compare-table"' in page.text and "winter_deficit_twh" in page.text
    assert 'id="chart-compare-winter_deficit_twh"' in page.text
    assert 'id="figures-table"' in page.text
    assert client.get(f"/compare?a={a}&b=zzzz").status_code == 400


def test_plotly_js_is_served_from_the_installed_package(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/static/plotly.min.js")
    assert response.status_code == 200
    assert response.text == get_plotlyjs()
    again = client.get("/static/plotly.min.js", headers={"If-None-Match": response.headers["etag"]})
    assert again.status_code == 304
    assert client.get("/static/app.js").status_code == 200
    assert client.get("/static/../app.py").status_code == 404
    assert client.get("/static/app.py").status_code == 404


def test_pages_carry_protective_headers(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/scenarios")
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"


def test_bad_run_options_get_every_problem_and_a_400(client) -> None:  # type: ignore[no-untyped-def]
    form = {"csrf_token": token(client), "source": "default", "start": "2026-13", "hydrology": "record:/etc/passwd"}
    response = client.post("/jobs", data=form)
    assert response.status_code == 400
    assert "--start" in response.text and "--hydrology" in response.text
    assert client.get("/jobs").status_code == 200


def test_an_unexpected_error_is_a_500_page_without_a_traceback(client, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    from aralnexus.web import views_runs

    def boom(store: object) -> None:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(views_runs, "_all_runs", boom)
    response = client.get("/runs")
    assert response.status_code == 500
    assert "Traceback" not in response.text and "secret internals" not in response.text


def test_a_scenario_text_over_the_file_size_limit_is_refused_with_a_message(client) -> None:  # type: ignore[no-untyped-def]
    from aralnexus.scenario.yaml_read import MAX_SCENARIO_BYTES

    text = "name: big\n" + "# padding\n" * (MAX_SCENARIO_BYTES // 10 + 1)
    response = client.post(
        "/api/validate", json={"yaml": text, "file": "big.yaml"}, headers={"X-CSRF-Token": token(client)}
    )
    assert response.status_code == 200 and response.json()["valid"] is False  # a result, not an HTTP error
    [problem] = response.json()["problems"]
    assert problem["expected"] == f"a scenario text of at most {MAX_SCENARIO_BYTES:,} bytes"


@pytest.mark.slow
def test_an_ensemble_run_page_has_the_risk_section(config: WebConfig, tmp_path: Path) -> None:
    import dataclasses

    from starlette.testclient import TestClient

    from aralnexus.ensemble.runner import EnsembleSpec, run_ensemble
    from aralnexus.store import open_store
    from aralnexus.web import create_app

    store = open_store(tmp_path / "ensemble.duckdb")
    spec = EnsembleSpec(members=2, seed=7, start="2029-10", end="2030-12", workers=1)
    run_id = run_ensemble(spec, store).runs[0].run_id
    with TestClient(create_app(dataclasses.replace(config, store=store.path))) as client:
        page = client.get(f"/runs/{run_id}")
        assert page.status_code == 200
        assert 'id="risk"' in page.text and "Risk across members" in page.text
        assert page.text.count('class="plotly-graph-div"') >= 3
        assert client.get("/runs?kind=ensemble").text.count(run_id[:12]) >= 1
        compared = client.get(f"/compare?a={run_id}&b={run_id}")
        assert compared.status_code == 200 and "share no yearly metrics" in compared.text


def test_a_yaml_alias_bomb_is_refused_quickly_with_a_message(client) -> None:  # type: ignore[no-untyped-def]
    lines = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]']
    lines += [f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 10)}]" for i in range(8)]
    bomb = "\n".join(lines) + "\n"
    headers = {"X-CSRF-Token": token(client)}
    response = client.post("/api/validate", json={"yaml": bomb, "file": "bomb.yaml"}, headers=headers)
    assert response.status_code == 200 and response.json()["valid"] is False  # a result, not an HTTP error
    assert "alias" in response.text
