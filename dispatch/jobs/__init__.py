"""Background jobs: the queue port and its two adapters (in-process and RQ).

Jobs are enqueued by dotted path with plain arguments (ids, not objects) and are safe to run twice.
"""
