"""Arbitrary text in every query parameter and JSON field of every API route, and in the page forms'
parameters: the service answers (2xx, 3xx, 4xx), never with a 500, and never writes what was sent
into its log (Decree 13/2023). Routes and their parameters come from the service's own OpenAPI schema.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import quote
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.web.conftest import Site
from tests.web.test_web_security import bearer

# Text that has broken parsers before: quotes, NUL, SQL and FTS syntax, dates at the edges, huge numbers.
NASTY = st.one_of(
    st.text(max_size=60),
    st.sampled_from(['"', "\x00", "' OR 1=1 --", "NEAR(a b)", "*", "0001-01-01", "9999-12-31",
                     "1e20", "100000000000000000000", "-1", "2024-01-01T00:00:00+14:00", "../../etc/passwd",
                     "«»", "a" * 300, "000.00.12.H12-240315-0001", "079203001234"]),
)
MARKER = "zqxjzqxj"  # sent inside every value, then looked for in the log


def operations(site: Site) -> list[tuple[str, str, list[str], list[str]]]:
    """(method, path template, query parameters, JSON body fields) of every API operation."""
    client = site.client()
    schema = client.get("/api/openapi.json", headers=bearer(site, "quan-tri")).json()
    found = []
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            query = [p["name"] for p in operation.get("parameters", []) if p["in"] == "query"]
            body_ref = (operation.get("requestBody", {}).get("content", {}).get("application/json", {})
                        .get("schema", {}).get("$ref", ""))
            model = schema["components"]["schemas"].get(body_ref.rsplit("/", 1)[-1], {}) if body_ref else {}
            found.append((method.upper(), path, query, list(model.get("properties", {}))))
    return found


@pytest.fixture(scope="module")
def api(site: Site) -> tuple[Site, dict[str, str], list[tuple[str, str, list[str], list[str]]]]:
    return site, bearer(site, "quan-tri"), operations(site)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_no_input_makes_the_api_fail(api: Any, data: st.DataObject, caplog: pytest.LogCaptureFixture) -> None:
    site, headers, ops = api
    method, path, query, fields = data.draw(st.sampled_from(ops))
    url = re.sub(r"\{[^}]+\}", lambda _: quote(data.draw(NASTY.filter(bool)), safe=""), path)
    params = {name: data.draw(NASTY) + MARKER for name in query if data.draw(st.booleans())}
    body = {name: data.draw(st.one_of(NASTY.map(lambda v: v + MARKER), st.integers(), st.none(),
                                      st.lists(st.text(max_size=5), max_size=3)))
            for name in fields if data.draw(st.booleans())}
    with caplog.at_level(logging.DEBUG):
        answer = site.client().request(method, url, params=params, headers=headers,
                                       json=body if method != "GET" else None)
    assert answer.status_code < 500, (method, path, answer.text[:200])
    server_log = [r.getMessage() for r in caplog.records if not r.name.startswith(("httpx", "httpcore"))]
    assert not any(MARKER in line for line in server_log)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(page=st.sampled_from(["/search", "/audit", "/review", "/dossiers", "/upload", "/accounts"]),
       name=st.sampled_from(["q", "date_of_birth", "doc_type", "dossier_code", "created_from", "created_to",
                             "status", "page", "since", "username", "action", "s"]),
       value=NASTY)
def test_no_input_makes_a_page_fail(site: Site, page: str, name: str, value: str) -> None:
    admin = site.client("quan-tri")
    assert admin.get(page, params={name: value}).status_code < 500
