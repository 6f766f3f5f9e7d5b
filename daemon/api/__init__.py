"""The HTTP API (`amx serve`): every endpoint calls the core's services, as the CLI and the
studio do. Never loaded by the resident `amx daemon run`."""
