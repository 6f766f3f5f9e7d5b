"""The `amx` command groups, one module each."""
