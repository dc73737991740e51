"""Test-wide settings: an instance folder of its own, so tests never touch the developer's database."""

from __future__ import annotations

import os
import tempfile

os.environ.setdefault("DISPATCH_INSTANCE_DIR", tempfile.mkdtemp(prefix="dispatch-test-instance-"))
for name in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY"):
    os.environ.pop(name, None)
