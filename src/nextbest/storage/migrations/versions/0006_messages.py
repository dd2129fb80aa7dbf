"""client messages: conversation state, advisor alerts

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-21 22:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import nextbest.storage.types

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "conversation_states",
        sa.Column("conversation_id", sa.String(length=128), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column(
            "state",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("updated_at", nextbest.storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["clients.client_id"],
            name=op.f("fk_conversation_states_client_id_clients"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("conversation_id", name=op.f("pk_conversation_states")),
    )
    with op.batch_alter_table("conversation_states", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_conversation_states_client_id"), ["client_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_conversation_states_updated_at"), ["updated_at"], unique=False
        )

    op.create_table(
        "advisor_alerts",
        sa.Column("alert_id", sa.String(length=36), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("message_id", sa.String(length=36), nullable=False),
        sa.Column("conversation_id", sa.String(length=128), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("intent", sa.String(length=64), nullable=False),
        sa.Column("negative", sa.Float(), nullable=False),
        sa.Column("masked_text", sa.Text(), nullable=True),
        sa.Column("created_at", nextbest.storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["clients.client_id"],
            name=op.f("fk_advisor_alerts_client_id_clients"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("alert_id", name=op.f("pk_advisor_alerts")),
    )
    with op.batch_alter_table("advisor_alerts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_advisor_alerts_client_id_created_at"),
            ["client_id", "created_at"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_advisor_alerts_created_at"), ["created_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("advisor_alerts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_advisor_alerts_created_at"))
        batch_op.drop_index(batch_op.f("ix_advisor_alerts_client_id_created_at"))
    op.drop_table("advisor_alerts")
    with op.batch_alter_table("conversation_states", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_conversation_states_updated_at"))
        batch_op.drop_index(batch_op.f("ix_conversation_states_client_id"))
    op.drop_table("conversation_states")
