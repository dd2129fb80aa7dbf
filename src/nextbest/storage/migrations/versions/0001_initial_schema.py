"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-21 13:47:18.152915
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import nextbest.storage.types

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "clients",
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("birth_year", sa.SmallInteger(), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("base_currency", sa.String(length=3), nullable=False),
        sa.Column("risk_tolerance", sa.String(length=16), nullable=False),
        sa.Column("income_band", sa.String(length=24), nullable=True),
        sa.Column("net_worth_band", sa.String(length=24), nullable=True),
        sa.Column(
            "profile",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_at", nextbest.storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", nextbest.storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("client_id", name=op.f("pk_clients")),
    )
    op.create_table(
        "securities",
        sa.Column("security_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("asset_class", sa.String(length=16), nullable=False),
        sa.Column("sector", sa.String(length=32), nullable=False),
        sa.Column("region", sa.String(length=32), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("esg_score", nextbest.storage.types.ExactDecimal(5, 2), nullable=True),
        sa.Column(
            "controversies",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("price", nextbest.storage.types.ExactDecimal(20, 4), nullable=True),
        sa.Column("updated_at", nextbest.storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("security_id", name=op.f("pk_securities")),
    )
    op.create_table(
        "client_consents",
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("purpose", sa.String(length=32), nullable=False),
        sa.Column("granted", sa.Boolean(), nullable=False),
        sa.Column("recorded_at", nextbest.storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["clients.client_id"],
            name=op.f("fk_client_consents_client_id_clients"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("client_id", "purpose", name=op.f("pk_client_consents")),
    )
    op.create_table(
        "events",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("event_id", sa.String(length=128), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("event_type", sa.String(length=32), nullable=False),
        sa.Column("occurred_at", nextbest.storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("received_at", nextbest.storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("session_id", sa.String(length=128), nullable=True),
        sa.Column("device_type", sa.String(length=50), nullable=True),
        sa.Column("channel", sa.String(length=16), nullable=True),
        sa.Column("target_type", sa.String(length=50), nullable=True),
        sa.Column("target_id", sa.String(length=128), nullable=True),
        sa.Column("action", sa.String(length=100), nullable=True),
        sa.Column(
            "context",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["clients.client_id"],
            name=op.f("fk_events_client_id_clients"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
        sa.UniqueConstraint("event_id", name=op.f("uq_events_event_id")),
    )
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_events_client_id_occurred_at"),
            ["client_id", "occurred_at"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_events_event_type_occurred_at"),
            ["event_type", "occurred_at"],
            unique=False,
        )

    op.create_table(
        "portfolios",
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("base_currency", sa.String(length=3), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=True),
        sa.Column(
            "target_allocation",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("updated_at", nextbest.storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["clients.client_id"],
            name=op.f("fk_portfolios_client_id_clients"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("client_id", name=op.f("pk_portfolios")),
    )
    op.create_table(
        "accounts",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("account_id", sa.String(length=64), nullable=False),
        sa.Column("position", sa.SmallInteger(), nullable=False),
        sa.Column("account_type", sa.String(length=24), nullable=False),
        sa.Column("tax_wrapper", sa.String(length=24), nullable=False),
        sa.Column(
            "monthly_contribution", nextbest.storage.types.ExactDecimal(20, 4), nullable=False
        ),
        sa.Column("goal_id", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["portfolios.client_id"],
            name=op.f("fk_accounts_client_id_portfolios"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accounts")),
        sa.UniqueConstraint(
            "client_id", "account_id", name=op.f("uq_accounts_client_id_account_id")
        ),
    )
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_accounts_client_id"), ["client_id"], unique=False)

    op.create_table(
        "holdings",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "account_pk", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("security_id", sa.String(length=64), nullable=False),
        sa.Column("quantity", nextbest.storage.types.ExactDecimal(28, 8), nullable=False),
        sa.Column("market_value", nextbest.storage.types.ExactDecimal(20, 4), nullable=False),
        sa.Column("cost_basis", nextbest.storage.types.ExactDecimal(20, 4), nullable=True),
        sa.Column("acquired_on", sa.Date(), nullable=True),
        sa.Column("goal_id", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_pk"],
            ["accounts.id"],
            name=op.f("fk_holdings_account_pk_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["security_id"],
            ["securities.security_id"],
            name=op.f("fk_holdings_security_id_securities"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_holdings")),
    )
    with op.batch_alter_table("holdings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_holdings_account_pk"), ["account_pk"], unique=False)
        batch_op.create_index(batch_op.f("ix_holdings_security_id"), ["security_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("holdings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_holdings_security_id"))
        batch_op.drop_index(batch_op.f("ix_holdings_account_pk"))

    op.drop_table("holdings")
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_accounts_client_id"))

    op.drop_table("accounts")
    op.drop_table("portfolios")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_events_event_type_occurred_at"))
        batch_op.drop_index(batch_op.f("ix_events_client_id_occurred_at"))

    op.drop_table("events")
    op.drop_table("client_consents")
    op.drop_table("securities")
    op.drop_table("clients")
