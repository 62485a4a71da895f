"""Batches: what scanning staff drop, and the report they get back."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from pathlib import PurePosixPath

from pydantic import BaseModel, Field, field_validator

from schemas.codes import parse_dossier_code
from schemas.document import FileStatus, Problem

MANIFEST_NAME = "batch.yaml"  # the optional manifest dropped with a batch's scans


class Direction(StrEnum):
    """Inputs are papers the citizen hands in; outputs are results the office issues."""

    INPUT = "input"
    OUTPUT = "output"


class BatchStatus(StrEnum):
    """done: every file ok; partial: some files need review or were quarantined; failed: none went in."""

    DONE = "done"
    PARTIAL = "partial"
    FAILED = "failed"


class AttemptState(StrEnum):
    """Where the latest ingest run of an inbox drop stands."""

    RUNNING = "running"
    FAILED = "failed"  # the run failed, or ended with files still to process: retried with back-off
    FINISHED = "finished"


class DropAttempt(BaseModel):
    """The watcher's memory of one inbox drop: how often it was handed to ingest, and how that went.

    `fingerprint` identifies the drop's content (names, sizes, times): a changed drop starts afresh.
    """

    name: str = Field(description="the drop's name in the inbox")
    fingerprint: str
    attempts: int = 0
    run_id: str | None = None
    state: AttemptState = AttemptState.RUNNING
    error: str | None = None
    started_at: datetime
    retry_at: datetime | None = None


class ManifestFile(BaseModel):
    """Per-file hints from the scanning desk."""

    component: str | None = Field(None, description="dossier component name, e.g. 'Tờ khai'")
    expected_pages: int | None = Field(None, ge=1)


class BatchManifest(BaseModel):
    """`batch.yaml` dropped with the scans; every field is optional."""

    office_code: str | None = None
    operator: str | None = None
    dossier_code: str | None = None
    procedure_code: str | None = None
    direction: Direction = Direction.INPUT
    files: dict[str, ManifestFile] = {}

    @field_validator("dossier_code")
    @classmethod
    def _valid_dossier_code(cls, value: str | None) -> str | None:
        return None if value is None else parse_dossier_code(value).raw

    @field_validator("files")
    @classmethod
    def _relative_names(cls, files: dict[str, ManifestFile]) -> dict[str, ManifestFile]:
        for name in files:
            path = PurePosixPath(name)
            if path.is_absolute() or ".." in path.parts:
                raise ValueError("tên tệp trong batch.yaml phải là đường dẫn tương đối trong thư mục lô")
        return files


class FileReport(BaseModel):
    """One dropped file's outcome, named relative to the batch folder."""

    file: str
    status: FileStatus
    sha256: str | None = None
    size: int = 0
    pages: int = 0
    document_id: str | None = None
    duplicate_of: str | None = None
    problems: list[Problem] = []
    seconds: float = 0.0

    @property
    def reason(self) -> str | None:
        """The first reason code, the one a clerk acts on."""
        return self.problems[0].code.value if self.problems else None


class BatchReport(BaseModel):
    """What the clerk reads after a batch: stored as JSON with the batch and shown in the terminal."""

    batch_id: str
    name: str
    source: str
    status: BatchStatus
    manifest: BatchManifest = BatchManifest()
    started_at: datetime
    finished_at: datetime
    problems: list[Problem] = Field([], description="batch-level problems, e.g. an invalid manifest")
    files: list[FileReport] = []

    def count(self, status: FileStatus) -> int:
        """How many files ended in `status`."""
        return sum(1 for f in self.files if f.status == status)
