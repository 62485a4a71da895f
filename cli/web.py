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

users = typer.Typer(help="Accounts of the web service.", no_args_is_help=True)


def serve(
    host: Annotated[str | None, typer.Option(help="address to listen on (SOHOA_WEB_HOST)")] = None,
    port: Annotated[int | None, typer.Option(help="port (SOHOA_WEB_PORT)")] = None,
    workers: Annotated[int, typer.Option(min=1, help="processes serving requests")] = 1,
) -> None:
    """Run the officers' web service (search, reuse, review, upload, audit) and its JSON API."""
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
    username: Annotated[str, typer.Argument(help="login name: lower-case letters, digits, . _ -")],
    roles: Annotated[list[Role], typer.Option("--role", help="repeat for several roles")],
    office: Annotated[str | None, typer.Option(help="office code the account belongs to")] = None,
    name: Annotated[str, typer.Option(help="full name shown in pages and the audit log")] = "",
    province_wide: Annotated[bool, typer.Option(help="sees every office's documents")] = False,
    password_stdin: Annotated[bool, typer.Option(help="read the password from standard input")] = False,
) -> None:
    """Create or update an account; the password is asked twice (never given on the command line)."""
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
    words: Annotated[list[str], typer.Argument(help="NAME (make a token), list NAME, or revoke NAME")],
    label: Annotated[str | None, typer.Option(help="which system uses the token (revoke: only it)")] = None,
) -> None:
    """API tokens of machine clients: `token NAME` makes one (printed once, stored only as a digest),
    `token list NAME` lists them, `token revoke NAME [--label L]` revokes them."""
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
    """Disable an account: its sessions end and its tokens are revoked at once."""
    user = _account(username)
    catalog().accounts.record_user(user.model_copy(update={"active": False}))
    console.print(f"Đã khóa tài khoản {username}.")


@users.command("enable")
def enable(username: Annotated[str, typer.Argument()]) -> None:
    """Enable a disabled account again (it logs in anew; old tokens stay revoked)."""
    user = _account(username)
    catalog().accounts.record_user(user.model_copy(update={"active": True}))
    console.print(f"Đã mở lại tài khoản {username}.")


@users.command("password")
def password(
    username: Annotated[str, typer.Argument()],
    password_stdin: Annotated[bool, typer.Option(help="read the password from standard input")] = False,
) -> None:
    """Set a new password; every session of the account ends and its tokens are revoked."""
    from web.security import hash_password

    user = _account(username)
    catalog().accounts.record_user(user, hash_password(_new_password(password_stdin, username)))
    console.print(f"Đã đổi mật khẩu của {username}; các phiên đăng nhập cũ đã kết thúc.")


@users.command("unlock")
def unlock(username: Annotated[str, typer.Argument()]) -> None:
    """Let a name be tried again at once from every client (after wrong passwords)."""
    count = catalog().accounts.clear_login_failures(username.lower())
    console.print(f"Đã mở khóa đăng nhập của {username} ({count} máy).")


@users.command("list")
def list_users() -> None:
    """Accounts with their office and roles."""
    table = Table("account", "name", "office", "roles", "active")
    for user in catalog().accounts.find_users():
        office = "province" if user.province_wide else user.office_code or ""
        table.add_row(user.username, user.full_name, office,
                      ", ".join(r.value for r in user.roles), "yes" if user.active else "no")
    console.print(table)


def audit(
    user: Annotated[str | None, typer.Option("--user", help="only this account")] = None,
    action: Annotated[AuditAction | None, typer.Option(help="only this action")] = None,
    document: Annotated[str | None, typer.Option(help="only this document id")] = None,
    since: Annotated[datetime | None, typer.Option(help="from this time (ISO)")] = None,
    limit: Annotated[int, typer.Option(min=1)] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="JSON lines")] = False,
) -> None:
    """List the audit log, newest first: who did what, when, on which document, from where."""
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
