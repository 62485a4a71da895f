"""`sohoa serve`, `sohoa user ...` and `sohoa audit`: the web service's part of the command line.

FastAPI and uvicorn are imported only by `serve`.
"""

from __future__ import annotations

import socket
import sys
from datetime import datetime
from typing import Annotated

import typer
from rich.table import Table

from cli.common import app, catalog, console, errors
from schemas.accounts import AuditAction, Role, User

users = typer.Typer(help="Tài khoản của dịch vụ web.", no_args_is_help=True)


def serve(
    host: Annotated[str | None, typer.Option(help="địa chỉ lắng nghe (SOHOA_WEB_HOST)")] = None,
    port: Annotated[int | None, typer.Option(help="cổng (SOHOA_WEB_PORT)")] = None,
    workers: Annotated[int, typer.Option(min=1, help="số tiến trình phục vụ yêu cầu")] = 1,
) -> None:
    """Chạy dịch vụ web cho cán bộ (tìm kiếm, tái sử dụng, rà soát, tải lên, nhật ký) và API JSON."""
    import uvicorn

    from schemas.settings import Settings

    web = Settings().web
    catalog()  # migrate once here, not in every worker at the same time
    listening = _listen(host or web.host, port or web.port)
    # A worker busy with a burst of searches may answer the supervisor's ping late: give it time
    # rather than have it killed with its connections.
    uvicorn.run("web.app:create_app", factory=True, fd=listening.fileno(), workers=workers,
                proxy_headers=bool(web.trusted_proxies), forwarded_allow_ips=web.trusted_proxies or None,
                server_header=False, access_log=False, timeout_worker_healthcheck=30)


def _listen(host: str, port: int) -> socket.socket:
    """The listening socket, made here with TCP_NODELAY so every accepted connection inherits it.

    uvicorn's worker processes leave it unset on the sockets they accept, and Nagle's algorithm
    meeting delayed ACKs then adds about 40 ms to every answer on a kept-alive connection.
    """
    family, kind, protocol, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    listening = socket.socket(family, kind, protocol)
    listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listening.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    listening.bind(address)
    listening.listen(2048)
    listening.set_inheritable(True)
    return listening


@users.command("add")
def add_user(
    username: Annotated[str, typer.Argument(help="tên đăng nhập: chữ thường không dấu, chữ số, . _ -")],
    roles: Annotated[list[Role], typer.Option("--role", help="lặp lại để gán nhiều vai trò")],
    office: Annotated[str | None, typer.Option(help="mã cơ quan của tài khoản")] = None,
    name: Annotated[str, typer.Option(help="họ tên hiện trên trang và trong nhật ký")] = "",
    province_wide: Annotated[bool, typer.Option(help="xem được tài liệu của mọi cơ quan")] = False,
    password_stdin: Annotated[bool, typer.Option(help="đọc mật khẩu từ đầu vào chuẩn")] = False,
) -> None:
    """Tạo hoặc cập nhật tài khoản; mật khẩu được hỏi hai lần (không bao giờ ghi trên dòng lệnh)."""
    from web.security import hash_password

    if office is None and not province_wide:
        errors.print("[red]Tài khoản cần một đơn vị:[/red] hãy thêm --office MÃ_ĐƠN_VỊ, "
                     "hoặc --province-wide cho tài khoản xem được mọi đơn vị trong tỉnh.")
        raise typer.Exit(2)
    password = _new_password(password_stdin, username)
    try:
        user = User(username=username.lower(), full_name=name, office_code=office, roles=roles,
                    province_wide=province_wide)
    except ValueError:
        errors.print("[red]Tên đăng nhập chỉ được gồm chữ thường không dấu, chữ số, '.', '_' và '-'[/red]")
        raise typer.Exit(2) from None
    catalog().accounts.record_user(user, hash_password(password))
    console.print(f"Đã tạo tài khoản {user.username}: {', '.join(r.value for r in roles)}"
                  f"{' (toàn tỉnh)' if province_wide else f', đơn vị {office}'}")


def _new_password(from_stdin: bool, username: str) -> str:
    """A password read from standard input or asked twice, refused (exit 2) when too weak."""
    from web.security import weak_password

    if from_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = typer.prompt("Mật khẩu", hide_input=True)
        if typer.prompt("Nhập lại mật khẩu", hide_input=True) != password:
            errors.print("[red]Hai lần nhập mật khẩu không khớp:[/red] "
                         "hãy chạy lại lệnh và gõ cùng một mật khẩu.")
            raise typer.Exit(2)
    reason = weak_password(password, username)
    if reason:
        errors.print(f"[red]{reason}[/red]")
        raise typer.Exit(2)
    return password


def _account(username: str) -> User:
    user = catalog().accounts.get_user(username)
    if user is None:
        errors.print(f"[red]Không có tài khoản {username}.[/red] Xem danh sách bằng: sohoa user list")
        raise typer.Exit(1)
    return user


@users.command("token")
def token(
    words: Annotated[list[str], typer.Argument(help="TÊN (tạo mã), list TÊN, hoặc revoke TÊN")],
    label: Annotated[str | None, typer.Option(help="hệ thống dùng mã (với revoke: chỉ thu hồi mã của hệ thống đó)")] = None,
) -> None:
    """Mã API cho hệ thống kết nối: `token TÊN` tạo một mã (chỉ in ra một lần, chỉ lưu bản băm),
    `token list TÊN` liệt kê, `token revoke TÊN [--label L]` thu hồi."""
    from web.security import digest, new_token

    verb, username = (words[0], words[1]) if len(words) == 2 and words[0] in ("list", "revoke") \
        else ("make", words[0] if len(words) == 1 else "")
    if not username:
        errors.print("[red]Cách dùng: sohoa user token NAME | token list NAME | token revoke NAME[/red]")
        raise typer.Exit(2)
    _account(username)
    accounts = catalog().accounts
    if verb == "make":
        made = new_token()
        accounts.record_api_token(digest(made), username, label or "api")
        sys.stdout.write(made + "\n")
    elif verb == "list":
        table = Table("nhãn", "tạo lúc", "thu hồi lúc")
        for name, created, revoked in accounts.find_tokens(username):
            table.add_row(name, created.isoformat(timespec="seconds"),
                          revoked.isoformat(timespec="seconds") if revoked else "")
        console.print(table)
    else:
        console.print(f"Đã thu hồi {accounts.revoke_tokens(username, label)} mã truy cập của {username}.")


@users.command("disable")
def disable(username: Annotated[str, typer.Argument()]) -> None:
    """Khóa một tài khoản: các phiên đăng nhập kết thúc và mã API bị thu hồi ngay."""
    user = _account(username)
    catalog().accounts.record_user(user.model_copy(update={"active": False}))
    console.print(f"Đã khóa tài khoản {username}.")


@users.command("enable")
def enable(username: Annotated[str, typer.Argument()]) -> None:
    """Mở lại một tài khoản đã khóa (phải đăng nhập lại; mã API cũ vẫn bị thu hồi)."""
    user = _account(username)
    catalog().accounts.record_user(user.model_copy(update={"active": True}))
    console.print(f"Đã mở lại tài khoản {username}.")


@users.command("password")
def password(
    username: Annotated[str, typer.Argument()],
    password_stdin: Annotated[bool, typer.Option(help="đọc mật khẩu từ đầu vào chuẩn")] = False,
) -> None:
    """Đặt mật khẩu mới; mọi phiên của tài khoản kết thúc và mã API bị thu hồi."""
    from web.security import hash_password

    user = _account(username)
    catalog().accounts.record_user(user, hash_password(_new_password(password_stdin, username)))
    console.print(f"Đã đổi mật khẩu của {username}; các phiên đăng nhập cũ đã kết thúc.")


@users.command("unlock")
def unlock(username: Annotated[str, typer.Argument()]) -> None:
    """Cho phép đăng nhập lại ngay tên này từ mọi máy (sau khi nhập sai mật khẩu nhiều lần)."""
    count = catalog().accounts.clear_login_failures(username.lower())
    console.print(f"Đã mở khóa đăng nhập của {username} ({count} máy).")


@users.command("list")
def list_users() -> None:
    """Các tài khoản cùng cơ quan và vai trò."""
    table = Table("account", "name", "office", "roles", "active")
    for user in catalog().accounts.find_users():
        office = "province" if user.province_wide else user.office_code or ""
        table.add_row(user.username, user.full_name, office,
                      ", ".join(r.value for r in user.roles), "yes" if user.active else "no")
    console.print(table)


def audit(
    user: Annotated[str | None, typer.Option("--user", help="chỉ tài khoản này")] = None,
    action: Annotated[AuditAction | None, typer.Option(help="chỉ hành động này")] = None,
    document: Annotated[str | None, typer.Option(help="chỉ tài liệu có mã này")] = None,
    since: Annotated[datetime | None, typer.Option(help="từ thời điểm này (ISO)")] = None,
    limit: Annotated[int, typer.Option(min=1)] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="dạng JSON, mỗi dòng một mục")] = False,
) -> None:
    """Xem nhật ký truy cập, mới nhất trước: ai làm gì, khi nào, với tài liệu nào, từ đâu."""
    entries = catalog().accounts.find_audit(username=user, action=action, document_id=document, since=since,
                                   limit=limit)
    if as_json:
        for entry in entries:
            sys.stdout.write(entry.model_dump_json() + "\n")
        return
    table = Table("time", "account", "action", "document", "dossier", "client")
    for entry in entries:
        table.add_row(entry.at.isoformat(timespec="seconds") if entry.at else "", entry.username,
                      entry.action.value, entry.document_id or "", entry.dossier_code or "",
                      entry.client or "")
    console.print(table)


app.command()(serve)
app.add_typer(users, name="user")
app.command()(audit)
