"""prefect.yaml is what operators deploy: it must validate, point at real flows and chain correctly."""

from __future__ import annotations

import asyncio
import configparser
import shlex
import subprocess
import sys
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml
from prefect.cli.deploy._models import PrefectYamlModel
from prefect.cli.deploy._schedules import _schedule_config_to_deployment_schedule
from prefect.flows import Flow, load_flow_from_entrypoint
from prefect.server.schemas.schedules import CronSchedule
from typer.testing import CliRunner

from cli import app as sohoa
from schemas.settings import Settings, WebSettings

PREFECT_YAML = Path(__file__).resolve().parents[1] / "prefect.yaml"
BIN = Path(sys.executable).parent


@pytest.fixture(scope="module")
def deployments() -> dict[str, dict[str, Any]]:
    raw = yaml.safe_load(PREFECT_YAML.read_text(encoding="utf-8"))
    PrefectYamlModel.model_validate(raw)  # Prefect's own schema for `prefect deploy`
    return {d["name"]: d for d in raw["deployments"]}


def _flow(deployment: dict[str, Any]) -> Flow:
    return load_flow_from_entrypoint(str(PREFECT_YAML.parent / deployment["entrypoint"]))


def test_every_deployment_loads_its_flow_on_the_process_pool(deployments: dict[str, dict[str, Any]]) -> None:
    assert set(deployments) >= {"ingest", "inbox-watch"}
    for deployment in deployments.values():
        assert isinstance(_flow(deployment), Flow)
        assert deployment["work_pool"]["name"] == "sohoa"


def test_watcher_polls_every_minute_and_hands_batches_to_the_ingest_deployment(
        deployments: dict[str, dict[str, Any]]) -> None:
    watch = deployments["inbox-watch"]
    schedule = _schedule_config_to_deployment_schedule(watch["schedules"][0])["schedule"]
    assert schedule.interval == timedelta(minutes=1)
    target_flow, target_deployment = watch["work_pool"]["job_variables"]["env"]["SOHOA_INGEST_DEPLOYMENT"].split("/")
    assert target_flow == _flow(deployments[target_deployment]).name
    assert watch["concurrency_limit"] == 1  # two watchers must not race on the same inbox


def test_nightly_archive_runs_at_one_in_the_morning_vietnam_time(deployments: dict[str, dict[str, Any]]) -> None:
    nightly = deployments["nightly-archive"]
    assert _flow(nightly).name == "nightly-archive"
    client_schedule = _schedule_config_to_deployment_schedule(nightly["schedules"][0])["schedule"]
    schedule = CronSchedule.model_validate(client_schedule.model_dump())  # the server computes the runs
    runs = asyncio.run(schedule.get_dates(n=3, start=datetime(2025, 6, 2, 12, 0, tzinfo=UTC)))
    assert [run.astimezone(UTC) for run in runs] == [  # 01:00 ICT (UTC+7) is 18:00 UTC the day before
        datetime(2025, 6, day, 18, 0, tzinfo=UTC) for day in (2, 3, 4)]
    assert {run.astimezone(ZoneInfo("Asia/Ho_Chi_Minh")).time() for run in runs} == {time(1, 0)}
    assert nightly["concurrency_limit"] == 1  # two nights must not pack the same records at once


DEPLOY = PREFECT_YAML.parent / "deploy"


def _unit(path: Path) -> configparser.ConfigParser:
    unit = configparser.ConfigParser(interpolation=None, strict=True)
    unit.optionxform = str  # systemd keys are case-sensitive
    unit.read_string(path.read_text(encoding="utf-8"))
    return unit


def test_the_systemd_units_run_real_commands_with_the_shared_settings(deployments: dict[str, dict[str, Any]]) -> None:
    units = {path.name: _unit(path) for path in sorted(DEPLOY.glob("*.service"))}
    assert set(units) == {"sohoa-prefect-server.service", "sohoa-worker@.service", "sohoa-web.service",
                          "sohoa-watch.service", "sohoa-dask-scheduler.service", "sohoa-dask-worker.service"}
    pools = {d["work_pool"]["name"] for d in deployments.values()}
    for name, unit in units.items():
        service = unit["Service"]
        assert service["EnvironmentFile"] == "/etc/sohoa/sohoa.env" and unit["Install"]["WantedBy"], name
        command = shlex.split(service["ExecStart"])
        assert command[0].startswith("/opt/sohoa/.venv/bin/"), name
        if Path(command[0]).name == "sohoa":  # the project's own command line takes these arguments
            assert CliRunner().invoke(sohoa, [*command[1:], "--help"]).exit_code == 0, name
        elif Path(command[0]).name == "dask":  # every option the unit passes is one dask knows
            shown = subprocess.run([str(BIN / "dask"), command[1], "--help"], capture_output=True, text=True,
                                   check=True).stdout
            assert all(option in shown for option in command[2:] if option.startswith("--")), name
        elif command[1:3] == ["worker", "start"]:
            assert command[command.index("--pool") + 1] in pools  # the pool prefect.yaml deploys to
        else:
            assert command[1:3] == ["server", "start"], name
    watcher = dict(line.split("=", 1) for line in [units["sohoa-watch.service"]["Service"]["Environment"]])
    assert watcher["SOHOA_INGEST_DEPLOYMENT"] == "ingest-batch/ingest"  # the flow name / deployment name
    assert "ingest" in deployments


def test_the_settings_file_names_only_settings_that_exist() -> None:
    lines = [line for line in (DEPLOY / "sohoa.env.example").read_text(encoding="utf-8").splitlines()
             if line.strip() and not line.startswith("#")]
    names = {line.split("=", 1)[0] for line in lines}
    known = ({f"SOHOA_{name.upper()}" for name in Settings.model_fields}
             | {f"SOHOA_WEB_{name.upper()}" for name in WebSettings.model_fields}
             | {"SOHOA_CODE_DIR"})  # read by prefect.yaml's pull step
    assert {name for name in names if name.startswith("SOHOA_")} <= known
    assert {name for name in names if name.startswith("PREFECT_")} <= {"PREFECT_API_URL",
                                                                          "PREFECT_SERVER_DATABASE_CONNECTION_URL"}
