"""Storage adapter: tables, repositories, the unit of work and Alembic migrations."""
