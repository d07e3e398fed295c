"""a client's own token (client_credentials) belongs to no token family

Revision ID: 3b1f0c9d2a71
Revises: 85e5374cc42e
Create Date: 2026-12-02 01:40:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '3b1f0c9d2a71'
down_revision = '85e5374cc42e'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('tokens', schema=None) as batch_op:
        batch_op.alter_column('family_id', existing_type=sa.String(length=32), nullable=True)


def downgrade():
    # Client tokens issued without a family cannot be kept under a NOT NULL column.
    op.execute("DELETE FROM tokens WHERE family_id IS NULL")
    with op.batch_alter_table('tokens', schema=None) as batch_op:
        batch_op.alter_column('family_id', existing_type=sa.String(length=32), nullable=False)
