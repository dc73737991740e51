"""Reaching leaders: sending the outbox (SMS, calls, failover), the replies that come back, and the embedded
default's phone simulator."""
