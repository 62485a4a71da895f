"""prefect.yaml is what operators deploy: it must validate, point at real flows and chain correctly."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from prefect.cli.deploy._models import PrefectYamlModel
from prefect.cli.deploy._schedules import _schedule_config_to_deployment_schedule
from prefect.flows import Flow, load_flow_from_entrypoint

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
