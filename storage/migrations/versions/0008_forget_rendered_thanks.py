"""outbox: references instead of words, posts first; back-off answers leave the journal

Before this revision a thank-you's DM and the weekly digest were stored rendered: the giver's
story and names stayed in other people's rows (and `/mydata delete` missed them). Now they are
made from the records when sent. Rows already sent keep no payload (nothing needs it); a DM
still waiting becomes a reference to its thank-you. A digest still waiting is left to go out
as it is. The "write less often?" choice was stored as that question's answer; it is in the
subscription, and the question is no journal entry. Channel posts (thank-yous, digests) are
claimed before DMs, through a partial index of their own.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

outbox = sa.table(
    "outbox",
    sa.column("id", sa.Integer),
    sa.column("purpose", sa.String),
    sa.column("dedupe_key", sa.String),
    sa.column("state", sa.String),
    sa.column("payload", sa.JSON),
)
entries = sa.table(
    "reflection_entries",
    sa.column("kind", sa.String),
    sa.column("answer", sa.Text),
)


def upgrade() -> None:
    op.create_index(
        "ix_outbox_posts_due",
        "outbox",
        ["state", "due_at"],
        sqlite_where=sa.text("member_id IS NULL"),
        postgresql_where=sa.text("member_id IS NULL"),
    )
    bind = op.get_bind()
    bind.execute(
        outbox.update()
        .where(
            outbox.c.purpose.in_(("thanks_notice", "thanks_digest")),
            outbox.c.state != "pending",
        )
        .values(payload={})
    )
    waiting = bind.execute(
        sa.select(outbox.c.id, outbox.c.dedupe_key).where(
            outbox.c.purpose == "thanks_notice", outbox.c.state == "pending"
        )
    ).all()
    for row_id, key in waiting:
        thanks_id = int(key.rsplit(":", 1)[1])
        bind.execute(
            outbox.update()
            .where(outbox.c.id == row_id)
            .values(payload={"build": ["thanks_notice", thanks_id]})
        )
    bind.execute(entries.update().where(entries.c.kind == "backoff").values(answer=None))


def downgrade() -> None:
    # The words are not kept anywhere to put back; older code reads the references as
    # payloads it can't send (they fail, logged) and shows no back-off answer.
    op.drop_index("ix_outbox_posts_due", table_name="outbox")
