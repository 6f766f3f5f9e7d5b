"""Reusable Textual widgets of the studio."""
