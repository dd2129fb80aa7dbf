"""signal cache

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21 14:24:37.093504
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import nextbest.storage.types

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "client_signals",
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("inputs_key", sa.String(length=64), nullable=False),
        sa.Column("computed_at", nextbest.storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("candidates", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["clients.client_id"],
            name=op.f("fk_client_signals_client_id_clients"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("client_id", name=op.f("pk_client_signals")),
    )
    with op.batch_alter_table("securities", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_securities_updated_at"), ["updated_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("securities", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_securities_updated_at"))

    op.drop_table("client_signals")
