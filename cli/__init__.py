"""`sohoa`: the command line of scanning staff and operators, at the top of the layers.

One module per command group; importing them registers their commands on `app` (cli/common.py).
"""

from cli import archive, batches, server, web  # noqa: F401 - importing registers the commands
from cli.common import app

__all__ = ["app"]
