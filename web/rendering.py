"""Server-rendered pages: the Jinja2 templates with the site's filters, and `render` for the routes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape

from schemas.accounts import Role
from storage.catalog.fulltext import MARK_CLOSE, MARK_OPEN
from web import labels
from web.security import CSRF_FIELD, Principal

TEMPLATES = Path(__file__).resolve().parent / "templates"


def _marked(snippet: str) -> Markup:
    """A search snippet with «matches» as <mark> elements, the rest escaped."""
    escaped = str(escape(snippet))
    return Markup(escaped.replace(MARK_OPEN, "<mark>").replace(MARK_CLOSE, "</mark>"))


def _local(zone: ZoneInfo) -> Callable[[datetime | None], str]:
    """A moment on the office's clock, as officers write it."""
    return lambda moment: moment.astimezone(zone).strftime("%d/%m/%Y %H:%M") if moment else ""


def templates(zone: ZoneInfo) -> Jinja2Templates:
    found = Jinja2Templates(directory=TEMPLATES)
    found.env.globals.update(labels=labels, Role=Role, csrf_field=CSRF_FIELD)
    found.env.filters.update(marked=_marked, local=_local(zone), day=labels.day)
    return found


def render(request: Request, name: str, status_code: int = 200, **context: object) -> HTMLResponse:
    """A page with the signed-in account (if any) and its CSRF token in the context."""
    principal: Principal | None = getattr(request.state, "principal", None)
    return request.app.state.templates.TemplateResponse(
        request, name, {"me": principal.user if principal else None,
                        "csrf": principal.csrf_token if principal else None, **context},
        status_code=status_code)
