"""Synthetic but plausible demo data: a whole district of organizations, cells and volunteers."""
