"""``python -m qualcode``: the same command line as ``qualcode`` (``serve`` starts the app this
way, with the interpreter it runs under, so no ``qualcode`` script needs to be on PATH)."""

from qualcode.cli import main

main()
