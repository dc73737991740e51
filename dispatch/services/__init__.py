"""Services: the use cases. They take an ``Actor`` and plain values, call the domain and ``geo``,
and reach the outside world only through the ports wired in ``create_app``."""
