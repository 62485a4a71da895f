"""The command line's own words in Vietnamese: typer ships no Vietnamese catalogue, and its help
screens and usage errors are the first thing an operator reads. `typer.core` looks its words up
through its own `_` (gettext), which `install` points at this catalogue; the help panels' titles
are constants. What typer writes as plain English literals ("Usage:", "Show this message and
exit.", "Missing argument") stays so.
"""

from __future__ import annotations

import typer.core
from typer import rich_utils

CATALOGUE = {
    "Arguments": "Tham số",
    "Options": "Tùy chọn",
    "Commands": "Lệnh",
    "Missing command.": "Thiếu tên lệnh.",
    "No such command {name!r}.": "Không có lệnh {name!r}.",
    "Aborted!": "Đã dừng.",
    "default: {default}": "mặc định: {default}",
    "required": "bắt buộc",
    "env var: {var}": "biến môi trường: {var}",
    "(dynamic)": "(tính khi chạy)",
}


def _vietnamese(message: str) -> str:
    return CATALOGUE.get(message, message)


def install() -> None:
    """Speak Vietnamese in every help screen and usage error from here on."""
    typer.core._ = _vietnamese  # type: ignore[attr-defined]
    rich_utils.ARGUMENTS_PANEL_TITLE = "Tham số"
    rich_utils.OPTIONS_PANEL_TITLE = "Tùy chọn"
    rich_utils.COMMANDS_PANEL_TITLE = "Lệnh"
    rich_utils.ERRORS_PANEL_TITLE = "Lỗi"
    rich_utils.DEFAULT_STRING = "[mặc định: {}]"
    rich_utils.ENVVAR_STRING = "[biến môi trường: {}]"
    rich_utils.REQUIRED_LONG_STRING = "[bắt buộc]"
    rich_utils.ABORTED_TEXT = "Đã dừng."
    rich_utils.RICH_HELP = "Xem hướng dẫn: [blue]'{command_path} {help_option}'[/]"
