"""What an operator sees: Prometheus metrics and JSON log lines, from every web process and worker.

``counting`` maps what happened (events, requests, jobs) to metric names, pure; ``metrics`` holds the metrics of this
process (shared by all processes through ``PROMETHEUS_MULTIPROC_DIR`` in production); ``state`` reads what the
database and Redis say now (unfilled needs, the outbox's oldest due row, queue depth, the sweeper's lag) at each
scrape; ``requests`` logs and counts every request with its id (and refused webhooks); ``jobs`` every job a worker
ran; ``json_lines`` is the log format.
"""
