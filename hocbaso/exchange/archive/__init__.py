"""Encrypted school-year archives (issue 7): export, verify offline, restore (docs/archive.md)."""
