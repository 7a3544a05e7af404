"""Persistence: SQLAlchemy 2 models and async query functions. No discord imports."""
