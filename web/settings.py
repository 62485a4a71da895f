"""Settings of the web service (prefix SOHOA_WEB_); the catalog and stores come from schemas.settings."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class WebSettings(BaseSettings):
    """`sohoa serve` needs none of these; operators tune them per office."""

    model_config = SettingsConfigDict(env_prefix="SOHOA_WEB_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = 8000
    cookie_secure: bool = Field(True, description="send cookies over HTTPS only; browsers accept "
                                                  "them on http://localhost too")
    session_hours: float = Field(10.0, description="a session ends after a working day")
    login_attempts: int = Field(5, description="failed logins of one account before a lock-out")
    lockout_minutes: float = 15.0
    presign_seconds: int = Field(300, description="lifetime of an S3 download link")
    max_upload_files: int = 500

