"""The due queue's partial index: Pending schedules that are not deleted, by fire time.

The predicate is written out once here because SQLite uses a partial index only when a query's
terms match the index's WHERE as written."""

DUE_PREDICATE = "status = 'pending' AND deleted_at IS NULL"
