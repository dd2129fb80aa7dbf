"""personalization profiles, profile queue, event receipts, segment models

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21 10:05:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import nextbest.storage.types

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "personalization_profiles",
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("state", sa.Text(), nullable=True),
        sa.Column("preferences", sa.Text(), nullable=True),
        sa.Column("privacy_mode", sa.Boolean(), nullable=False),
        sa.Column("keeps_receipts", sa.Boolean(), nullable=False),
        sa.Column("updated_at", nextbest.storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["clients.client_id"],
            name=op.f("fk_personalization_profiles_client_id_clients"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("client_id", name=op.f("pk_personalization_profiles")),
    )
    op.create_table(
        "profile_queue",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("event_pk", sa.BigInteger(), nullable=True),
        sa.Column("state", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["clients.client_id"],
            name=op.f("fk_profile_queue_client_id_clients"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["event_pk"],
            ["events.id"],
            name=op.f("fk_profile_queue_event_pk_events"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_profile_queue")),
    )
    with op.batch_alter_table("profile_queue", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_profile_queue_client_id"), ["client_id"], unique=False)
    op.create_table(
        "event_receipts",
        sa.Column("event_id", sa.String(length=128), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("received_at", nextbest.storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["clients.client_id"],
            name=op.f("fk_event_receipts_client_id_clients"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_event_receipts")),
    )
    with op.batch_alter_table("event_receipts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_event_receipts_client_id"), ["client_id"], unique=False
        )
    op.create_table(
        "segment_models",
        sa.Column("version", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("fitted_at", nextbest.storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("clients", sa.Integer(), nullable=False),
        sa.Column("model", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("version", name=op.f("pk_segment_models")),
    )


def downgrade() -> None:
    op.drop_table("segment_models")
    with op.batch_alter_table("event_receipts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_event_receipts_client_id"))
    op.drop_table("event_receipts")
    with op.batch_alter_table("profile_queue", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_profile_queue_client_id"))
    op.drop_table("profile_queue")
    op.drop_table("personalization_profiles")
