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
                proxy_headers=True, server_header=False, access_log=False, timeout_worker_healthcheck=30)


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
        errors.print("[red]an account needs --office, or --province-wide[/red]")
        raise typer.Exit(2)
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    if len(password) < 10:
        errors.print("[red]the password must have at least 10 characters[/red]")
        raise typer.Exit(2)
    try:
        user = User(username=username.lower(), full_name=name, office_code=office, roles=roles,
                    province_wide=province_wide)
    except ValueError:
        errors.print("[red]the login name may hold lower-case letters, digits, '.', '_' and '-'[/red]")
        raise typer.Exit(2) from None
    catalog().accounts.record_user(user, hash_password(password))
    console.print(f"account {user.username}: {', '.join(r.value for r in roles)}"
                  f"{' (province-wide)' if province_wide else f' at {office}'}")


@users.command("token")
def add_token(
    username: Annotated[str, typer.Argument()],
    label: Annotated[str, typer.Option(help="which system uses the token")] = "api",
) -> None:
    """Make an API token for a machine client; it is printed once and stored only as a digest."""
    from web.security import digest, new_token

    opened = catalog()
    if opened.accounts.get_user(username) is None:
        errors.print(f"[red]no account {username}[/red]")
        raise typer.Exit(1)
    token = new_token()
    opened.accounts.record_api_token(digest(token), username, label)
    sys.stdout.write(token + "\n")


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
