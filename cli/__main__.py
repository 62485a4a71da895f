"""`python -m cli`: the same as the `sohoa` command."""

from cli.launch import main

main()
