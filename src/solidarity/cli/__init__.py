"""The `solidarity` command line: one command module per domain module, each a few lines per command."""
