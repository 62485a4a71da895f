"""Settings from the environment (prefix SOHOA_): the embedded default needs none of them.

One module: `Settings` holds everything, with the nightly archive's (`ArchiveSettings`, `.archive`) and the
web service's (`WebSettings`, prefix SOHOA_WEB_, `.web`) as sub-models.
"""

from __future__ import annotations

import os
from enum import StrEnum
from pathlib import Path
from zoneinfo import ZoneInfo

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from schemas.batch import Direction

OFFICE_TIMEZONE = "Asia/Ho_Chi_Minh"  # Vietnam's one time zone (UTC+7, no daylight saving)


class ObjectStoreKind(StrEnum):
    LOCAL = "local"
    S3 = "s3"


class LockMode(StrEnum):
    """S3 object-lock modes: GOVERNANCE can be lifted by a privileged account, COMPLIANCE by nobody."""

    GOVERNANCE = "GOVERNANCE"
    COMPLIANCE = "COMPLIANCE"


class ArchiveSettings(BaseSettings):
    """How long records are kept, where packages go, how much fixity work a night does."""

    model_config = SettingsConfigDict(env_prefix="SOHOA_", extra="ignore")

    archive_bucket: str = Field("sohoa-archive", description="S3 bucket created with object lock")
    retention_years_input: int = Field(5, ge=1, description="papers citizens hand in")
    retention_years_output: int = Field(10, ge=1, description="results the office issues")
    retention_mode: LockMode = LockMode.GOVERNANCE
    fixity_cycle_nights: int = Field(7, ge=1, description="every stored object is verified within N nights")
    archive_workers: int = Field(2, ge=1, description="records staged (fetched, PDF/A-converted) at once")

    def retention_years(self, record_class: Direction) -> int:
        return self.retention_years_output if record_class is Direction.OUTPUT else self.retention_years_input


class WebSettings(BaseSettings):
    """`sohoa serve` needs none of these; operators tune them per office."""

    model_config = SettingsConfigDict(env_prefix="SOHOA_WEB_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = 8000
    cookie_secure: bool = Field(True, description="send cookies over HTTPS only; browsers accept "
                                                  "them on http://localhost too")
    session_hours: float = Field(10.0, description="a session ends after a working day")
    login_attempts: int = Field(5, description="wrong passwords of one name from one client before it "
                                "must wait (1 minute, doubling at each further failure)")
    lockout_minutes: float = Field(60.0, description="the longest wait")
    presign_seconds: int = Field(300, description="lifetime of an S3 download link")
    max_upload_files: int = 500
    secret_key: SecretStr = Field(SecretStr(""), description="seals search links and login tokens; the same "
                                  "on every machine serving one catalog (empty: a key kept in DATA_DIR/web)")
    search_link_hours: float = Field(12.0, description="how long a search results link keeps working")
    trusted_proxies: str = Field("", description="addresses of reverse proxies whose X-Forwarded-For is "
                                 "believed (comma-separated); empty: the client is the socket's peer")
    max_upload_bytes: int = Field(1024**3, description="the largest upload request; any other form or "
                                  "JSON body may hold 64 KiB")


class Settings(BaseSettings):
    """Everything configurable. `SOHOA_DATA_DIR` holds inbox, objects, catalog and quarantine."""

    model_config = SettingsConfigDict(env_prefix="SOHOA_", extra="ignore")

    data_dir: Path = Path("./data")
    inbox_dir: Path | None = Field(None, description="default: DATA_DIR/inbox")
    inbox_store: ObjectStoreKind | None = Field(
        None, description="where drops arrive: 'local' (the inbox folder) or 's3' (inbox/<office>/ of the "
        "bucket, for workers on several machines); default: the object store's kind")

    object_store: ObjectStoreKind = ObjectStoreKind.LOCAL
    s3_endpoint: str = "127.0.0.1:9000"
    s3_access_key: str = ""
    s3_secret_key: str = ""
    s3_bucket: str = "sohoa"
    s3_secure: bool = False
    s3_region: str | None = None

    catalog_url: str | None = Field(None, description="SQLAlchemy URL; default SQLite in DATA_DIR")
    timezone: str = Field(OFFICE_TIMEZONE, description="the office's clock: what a day and 'yesterday' are")
    office_agencies: dict[str, list[str]] = Field(
        default_factory=dict, description="office code → the agency codes (the part of a dossier code "
        "before its date) whose dossiers the office may open and feed; JSON in SOHOA_OFFICE_AGENCIES. "
        "An office whose code is itself an agency code needs no entry")

    # batches
    settle_seconds: float = Field(30.0, description="a batch without manifest is ready after this quiet time")
    watch_interval_seconds: float = 10.0
    ingest_attempts: int = Field(4, ge=1, description="runs of one drop before the watcher gives up")
    retry_seconds: float = Field(60.0, description="wait before the first retry; doubled each time")
    run_silence_seconds: int = Field(
        600, ge=60, description="a deployment's run whose heartbeats (PREFECT_FLOWS_HEARTBEAT_FREQUENCY, "
        "180 s by default) stop for this long is marked Crashed, and the watcher retries its drop")

    resident_ingest: bool = Field(
        True, description="with the embedded default's local Prefect server, keep one process per data folder "
        "that has paid for start-up, and let `sohoa ingest` hand it batches (flows/resident.py)")

    dask_scheduler: str | None = Field(
        None, description="tcp://HOST:8786 of a Dask cluster (prefect-dask): the ingest flow's documents "
        "run on its workers, on every OCR machine, instead of this process's threads")

    # preflight limits
    max_file_bytes: int = 200 * 1024 * 1024
    max_pages: int = 500
    max_page_pixels: int = 120_000_000  # an A3 page at 600 dpi is ~70 Mpx
    max_archive_members: int = 2000
    max_archive_bytes: int = 2 * 1024 * 1024 * 1024

    # text and OCR
    ocr_language: str = "vie"
    ocr_dpi: int = 300
    ocr_timeout_seconds: float = 180.0
    ocr_workers: int = Field(default_factory=lambda: os.cpu_count() or 1)
    low_confidence: float = 60.0

    # The nightly archive's and the web service's own settings (same SOHOA_ environment).
    archive: ArchiveSettings = Field(default_factory=ArchiveSettings)
    web: WebSettings = Field(default_factory=WebSettings)

    def agencies_of(self, office_code: str | None) -> frozenset[str]:
        """The agency codes an office's dossiers carry (upper case)."""
        if office_code is None:
            return frozenset()
        listed = self.office_agencies.get(office_code, [])
        return frozenset(code.strip().upper() for code in [*listed, office_code])

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def inbox(self) -> Path:
        return self.inbox_dir or self.data_dir / "inbox"

    @property
    def inbox_kind(self) -> ObjectStoreKind:
        return self.inbox_store or self.object_store

    @property
    def objects_dir(self) -> Path:
        return self.data_dir / "objects"

    @property
    def quarantine_dir(self) -> Path:
        return self.data_dir / "quarantine"

    @property
    def done_dir(self) -> Path:
        return self.data_dir / "done"

    @property
    def failed_dir(self) -> Path:
        return self.data_dir / "failed"

    @property
    def work_dir(self) -> Path:
        return self.data_dir / "work"

    @property
    def catalog(self) -> str:
        return self.catalog_url or f"sqlite:///{(self.data_dir / 'catalog.sqlite3').resolve()}"
