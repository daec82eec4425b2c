"""alerts schema changes

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""

from alembic import op
import sqlalchemy as sa
import models.schema

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("incidents") as batch:
        batch.add_column(sa.Column("detail", sa.JSON(), nullable=False, server_default="{}"))
    with op.batch_alter_table("deliveries") as batch:
        batch.add_column(sa.Column("photo", sa.LargeBinary(), nullable=True))
        batch.create_index("ix_deliveries_alert", ["alert_id"])


def downgrade() -> None:
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_index("ix_deliveries_alert")
        batch.drop_column("photo")
    with op.batch_alter_table("incidents") as batch:
        batch.drop_column("detail")
