"""`python -m assistant` is the `carta` command."""

from assistant.cli import main

main()
