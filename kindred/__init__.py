"""Shared infrastructure for Kindred: settings, clock, errors, logging."""
