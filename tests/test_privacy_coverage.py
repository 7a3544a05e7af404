"""Every table with rows about a member is covered by export and delete."""

from __future__ import annotations

from storage.models import Base
from storage.privacy import MEMBER_TABLES

# Columns that identify a person: a foreign key to members, or a Discord user id.
PERSON_COLUMN_NAMES = {"member_id", "user_id", "author_id", "giver_id", "receiver_id"}


def person_columns(table_name: str) -> set[str]:
    table = Base.metadata.tables[table_name]
    found = set()
    for column in table.columns:
        points_at_members = any(fk.column.table.name == "members" for fk in column.foreign_keys)
        if (
            points_at_members
            or column.name in PERSON_COLUMN_NAMES
            or column.name.endswith(("_member_id", "_user_id"))
        ):
            found.add(column.name)
    return found


def test_every_table_with_a_member_column_is_registered() -> None:
    covered = {(spec.name, spec.column) for spec in MEMBER_TABLES}
    missing = []
    for name in Base.metadata.tables:
        if name == "members":
            continue  # the member row itself is exported and deleted explicitly
        for column in person_columns(name):
            if (name, column) not in covered:
                missing.append(f"{name}.{column}")
    assert missing == [], (
        "tables with member data not covered by /mydata export and delete "
        f"(add them to storage.privacy.MEMBER_TABLES): {missing}"
    )


def test_registered_tables_exist_with_their_columns() -> None:
    for spec in MEMBER_TABLES:
        assert spec.name in Base.metadata.tables, spec.name
        table = Base.metadata.tables[spec.name]
        assert spec.column in table.columns, f"{spec.name}.{spec.column}"
        for column in (*spec.anonymise, *spec.hidden):
            assert column in table.columns, f"{spec.name}.{column}"
