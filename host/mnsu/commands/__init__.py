"""Subcommands of the `mnsu` CLI, one module each."""
