"""ingest schema changes

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

from alembic import op
import sqlalchemy as sa
import models.schema

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.add_column(sa.Column("text_hash", sa.String(length=64), nullable=True))
        batch_op.create_index("ix_reports_text_hash_received", ["text_hash", "received_at"], unique=False)
    with op.batch_alter_table("report_revisions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("latitude", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("longitude", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("provider_id", sa.String(length=64), nullable=True))
        batch_op.create_index("ix_report_revisions_provider", ["provider_id"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("report_revisions", schema=None) as batch_op:
        batch_op.drop_index("ix_report_revisions_provider")
        batch_op.drop_column("provider_id")
        batch_op.drop_column("longitude")
        batch_op.drop_column("latitude")
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.drop_index("ix_reports_text_hash_received")
        batch_op.drop_column("text_hash")
