"""Pure domain logic: no Flask, SQLAlchemy, Redis, RQ or Twilio imports.

Everything here works on plain values so a unit test can exercise it in milliseconds.
"""
