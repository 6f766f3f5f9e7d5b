"""The demo shop and its schedules, for `amx demo` and `amx studio --demo`."""
