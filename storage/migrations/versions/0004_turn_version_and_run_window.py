"""conversation version for the per-runner turn lock, and an index for one runner's recent runs

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 06:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0004'
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('conversationstate', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), server_default='0', nullable=False))
    with op.batch_alter_table('run', schema=None) as batch_op:
        batch_op.create_index('ix_run_runner_logged', ['runner_id', 'logged_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('run', schema=None) as batch_op:
        batch_op.drop_index('ix_run_runner_logged')
    with op.batch_alter_table('conversationstate', schema=None) as batch_op:
        batch_op.drop_column('version')
