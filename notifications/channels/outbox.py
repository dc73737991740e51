"""``OutboxChannel``: the embedded default, where nothing leaves the machine.

The outbox row is the message; the phone simulator page shows it to the "phone" it was addressed to, and replies
typed there go through the same parser as an SMS provider's.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from notifications.channels import Outgoing, Sent


class OutboxChannel:
    name = "outbox"
    sender = "outbox"

    def send(self, message: Outgoing) -> Sent:
        prefix = "OC" if message.script_url else "OB"
        return Sent(sid=f"{prefix}{secrets.token_hex(16)}", status="delivered")

    def already_sent(self, message: Outgoing, since: datetime) -> str | None:
        return None  # sending is part of the row's own transaction: nothing can be half done
