"""prefect.yaml is what operators deploy: it must validate, point at real flows and chain correctly."""

from __future__ import annotations

import asyncio
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

PREFECT_YAML = Path(__file__).resolve().parents[1] / "prefect.yaml"


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
