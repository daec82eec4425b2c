"""Alembic environment: runs on the connection ``models.db.migrate`` hands in."""

from alembic import context

from models.schema import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None:
    from sqlalchemy import create_engine

    from tocsin.config import load_settings

    connection = create_engine(load_settings().database_url).connect()

context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True, compare_type=True)
with context.begin_transaction():
    context.run_migrations()
