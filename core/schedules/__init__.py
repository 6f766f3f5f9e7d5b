"""Schedules: what a person asks for, triggers and fire times, statuses, the service, the
queue and the runs."""
