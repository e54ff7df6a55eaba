"""runner health facts for the warning-sign triage, and the care-numbers country

Existing runners have said nothing yet: no age band, no risks, asked once at their next pain report.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 06:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("runner", schema=None) as batch_op:
        batch_op.add_column(sa.Column("age_band", sa.String(), nullable=True))
        batch_op.add_column(sa.Column("risks", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("risks_asked", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column("country", sa.String(), nullable=True))
    op.execute("UPDATE runner SET risks = '[]'")
    with op.batch_alter_table("runner", schema=None) as batch_op:
        batch_op.alter_column("risks", existing_type=sa.JSON(), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("runner", schema=None) as batch_op:
        batch_op.drop_column("country")
        batch_op.drop_column("risks_asked")
        batch_op.drop_column("risks")
        batch_op.drop_column("age_band")
