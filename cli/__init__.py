"""`sohoa`: the command line of scanning staff and operators, at the top of the layers.

One module per command group; importing them registers their commands on `app` (cli/common.py). That
costs about two seconds, so `app` is assembled on first use: `cli.launch` hands an ingest to the
resident process without it.
"""

from __future__ import annotations

from typing import Any


def __getattr__(name: str) -> Any:
    if name == "app":
        from cli import archive, batches, server, web  # noqa: F401 - importing registers the commands
        from cli.common import app

        return app
    raise AttributeError(f"module 'cli' has no attribute {name!r}")


__all__ = ["app"]
