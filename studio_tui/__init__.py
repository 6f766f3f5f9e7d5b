"""studio_tui package."""
