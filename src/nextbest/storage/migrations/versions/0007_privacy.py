"""privacy and security: API keys, the audit chain, erasure tombstones, learned-state epochs,
advisors' reviews

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-21 22:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import nextbest.storage.types

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _at() -> nextbest.storage.types.UtcDateTime:
    return nextbest.storage.types.UtcDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "api_keys",
        sa.Column("key_id", sa.String(length=12), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("roles", sa.String(length=100), nullable=False),
        sa.Column("salt", sa.LargeBinary(length=16), nullable=False),
        sa.Column("secret_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("created_at", _at(), nullable=False),
        sa.Column("expires_at", _at(), nullable=False),
        sa.Column("revoked_at", _at(), nullable=True),
        sa.PrimaryKeyConstraint("key_id", name=op.f("pk_api_keys")),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", _BIG_ID, autoincrement=True, nullable=False),
        sa.Column("at", _at(), nullable=False),
        sa.Column("principal", sa.String(length=120), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=True),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("route", sa.String(length=200), nullable=True),
        sa.Column("status", sa.SmallInteger(), nullable=True),
        sa.Column("client_ref", sa.String(length=64), nullable=True),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("previous_hash", sa.String(length=64), nullable=False),
        sa.Column("entry_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_log_client_ref"), ["client_ref"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_log_at"), ["at"], unique=False)
    _append_only("audit_log")

    op.create_table(
        "erasures",
        sa.Column("id", _BIG_ID, autoincrement=True, nullable=False),
        sa.Column("client_ref", sa.String(length=64), nullable=False),
        sa.Column("erased_at", _at(), nullable=False),
        sa.Column("requested_by", sa.String(length=120), nullable=False),
        sa.Column("removed", sa.Text(), nullable=False),
        sa.Column("recreated_at", _at(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erasures")),
    )
    with op.batch_alter_table("erasures", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_erasures_client_ref"), ["client_ref"], unique=False)

    op.create_table(
        "learned_state",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("epoch", sa.Integer(), nullable=False),
        sa.Column("changed_at", _at(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_learned_state")),
    )
    op.create_table(
        "recommendation_reviews",
        sa.Column("id", _BIG_ID, autoincrement=True, nullable=False),
        sa.Column("recommendation_id", sa.String(length=36), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("decision", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("reviewer", sa.String(length=120), nullable=False),
        sa.Column("reviewed_at", _at(), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["clients.client_id"],
            name=op.f("fk_recommendation_reviews_client_id_clients"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recommendation_id"],
            ["recommendations.recommendation_id"],
            name=op.f("fk_recommendation_reviews_recommendation_id_recommendations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recommendation_reviews")),
    )
    with op.batch_alter_table("recommendation_reviews", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_recommendation_reviews_client_id"), ["client_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_recommendation_reviews_recommendation_id"),
            ["recommendation_id"],
            unique=False,
        )
    # Erasure deletes a client's events; each deleted event's queue rows are looked up by it.
    with op.batch_alter_table("profile_queue", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_profile_queue_event_pk"), ["event_pk"], unique=False)


def _append_only(table: str) -> None:
    """The database itself refuses to change or delete a row of ``table`` (the hash chain
    then catches whoever drops the trigger first)."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION nextbest_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END $$"
        )
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION nextbest_append_only()"
        )
        return
    for verb in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log")
        op.execute("DROP FUNCTION IF EXISTS nextbest_append_only()")
    with op.batch_alter_table("profile_queue", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_profile_queue_event_pk"))
    with op.batch_alter_table("recommendation_reviews", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_recommendation_reviews_recommendation_id"))
        batch_op.drop_index(batch_op.f("ix_recommendation_reviews_client_id"))
    op.drop_table("recommendation_reviews")
    op.drop_table("learned_state")
    with op.batch_alter_table("erasures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_erasures_client_ref"))
    op.drop_table("erasures")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_log_at"))
        batch_op.drop_index(batch_op.f("ix_audit_log_client_ref"))
    op.drop_table("audit_log")
    op.drop_table("api_keys")
