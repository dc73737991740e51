"""Services: the use cases. They take an ``Actor`` and plain values, call the domain and ``geo``,
and reach the outside world only through the ports wired in ``create_app``.

Grouped by capability: ``dispatch`` (incidents, needs, offers, answers), ``notify`` (the outbox, replies),
``registry`` (organizations, members, cells, places), ``records`` (recovery, drills, training, evaluations,
reports, exports, complaints, risks), ``identity`` (accounts, sessions, passwords), ``imports``, ``duty_groups``,
``audit`` and ``backups``. What they all use sits here: the event log (``events``), errors, scoping clauses, paging
and row writing.
"""
