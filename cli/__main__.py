"""`python -m cli`: the same as the `sohoa` command."""

from cli import app

app()
