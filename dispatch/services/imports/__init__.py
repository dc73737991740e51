"""Bulk imports: all-or-nothing, with every bad row listed (line number, field, reason)."""
