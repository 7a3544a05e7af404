"""Kindred's rules: pure Python, no discord and no sqlalchemy imports."""
