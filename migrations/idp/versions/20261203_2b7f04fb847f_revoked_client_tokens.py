"""revoked client tokens: a client's own access token is self-contained, and its revocation
is the only row it has

Revision ID: 2b7f04fb847f
Revises: f3938f1ac770
Create Date: 2026-12-03 08:08:01.677764

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '2b7f04fb847f'
down_revision = 'f3938f1ac770'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('revoked_client_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('client_pk', sa.Integer(), nullable=False),
    sa.Column('expires_at', sa.Integer(), nullable=False),
    sa.Column('revoked_at', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(
        ['client_pk'], ['oauth_clients.id'],
        name=op.f('fk_revoked_client_tokens_client_pk_oauth_clients'), ondelete='CASCADE',
    ),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_revoked_client_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_revoked_client_tokens_token_hash'))
    )
    with op.batch_alter_table('revoked_client_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_revoked_client_tokens_client_pk'), ['client_pk'], unique=False)
        batch_op.create_index(batch_op.f('ix_revoked_client_tokens_expires_at'), ['expires_at'], unique=False)


def downgrade():
    with op.batch_alter_table('revoked_client_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_revoked_client_tokens_expires_at'))
        batch_op.drop_index(batch_op.f('ix_revoked_client_tokens_client_pk'))

    op.drop_table('revoked_client_tokens')
