"""Bundled parameter tables (TOML), each value with its source and provenance."""
