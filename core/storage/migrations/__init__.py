"""Alembic migrations shipped inside the package and applied by `core.db`."""
