"""Pydantic models: they validate API requests and CSV rows and generate the OpenAPI document."""
