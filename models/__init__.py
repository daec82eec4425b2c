"""The data model, sessions and migrations: the one place that knows the schema."""
