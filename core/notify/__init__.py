"""Reaching people: mail profiles, SMTP delivery and the HTML report of a run."""
