"""Access to the HTTP API: bearer tokens, kept only as hashes."""
