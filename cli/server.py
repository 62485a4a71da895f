"""`sohoa server start|status|stop`: the local Prefect server the other commands start on first use."""

from __future__ import annotations

import typer

from cli.common import app, console, errors, prepare_prefect
from schemas.settings import Settings

server_app = typer.Typer(help="Máy chủ Prefect cục bộ mà ingest, watch và archive dùng chung.", no_args_is_help=True)
app.add_typer(server_app, name="server")


@server_app.command("start")
def server_start() -> None:
    """Khởi động ngay máy chủ Prefect cục bộ (nếu không, lệnh đầu tiên cần đến sẽ tự khởi động)."""
    prepare_prefect(verbose=False)
    from flows import server

    if server.configured_url():
        console.print(f"PREFECT_API_URL đã chỉ tới máy chủ {server.configured_url()}; không cần máy chủ cục bộ.")
        return
    try:
        local = server.ensure_local(Settings(), say=lambda line: errors.print(line, style="dim"))
    except server.ServerUnavailable as exc:
        errors.print(f"[red]Không khởi động được máy chủ Prefect:[/red] {exc}")
        raise typer.Exit(3) from None
    console.print(f"Máy chủ Prefect đang chạy: {local.url} (tiến trình {local.pid})")


@server_app.command("status")
def server_status() -> None:
    """Các lệnh đang dùng máy chủ Prefect nào; mã thoát 1 khi máy chủ cục bộ không chạy."""
    prepare_prefect(verbose=False)
    from flows import server

    if server.configured_url():
        reachable = server.healthy(server.configured_url())
        console.print(f"PREFECT_API_URL={server.configured_url()} "
                      f"({'trả lời' if reachable else 'không trả lời'})")
        raise typer.Exit(0 if reachable else 1)
    local = server.running(Settings())
    if local is None:
        console.print("Máy chủ Prefect cục bộ chưa chạy; lệnh ingest/watch sẽ tự khởi động nó.")
        raise typer.Exit(1)
    console.print(f"Máy chủ Prefect đang chạy: {local.url} (tiến trình {local.pid})")
    from flows import resident

    console.print("Tiến trình tiếp nhận thường trú: " + (
        "đang chạy (lệnh ingest khởi động ngay)." if resident.running(Settings())
        else "chưa chạy; lệnh ingest kế tiếp sẽ khởi động nó."))


@server_app.command("stop")
def server_stop() -> None:
    """Dừng máy chủ Prefect cục bộ của thư mục dữ liệu này."""
    from flows import resident, server

    resident.stop(Settings())
    stopped = server.stop(Settings())
    console.print("Đã dừng máy chủ Prefect cục bộ." if stopped else "Máy chủ Prefect cục bộ không chạy.")
