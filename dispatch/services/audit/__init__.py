"""The security audit trail: who did what, from where, with what result; sealed into a chain.

``record`` is what the rest of the app calls; ``verify`` and ``archive`` are the operator's commands.
"""

from dispatch.services.audit.trail import record, verify

__all__ = ["record", "verify"]
