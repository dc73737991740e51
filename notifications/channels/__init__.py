"""The channel port: "tell this person (or this duty group) this message", one interface for every technology.

The outbox (``dispatch/services/notify/delivery.py``) is the one mechanism behind every channel: it claims due rows, renders
them, keeps the text on record, sends once, retries temporary failures with backoff, stops at permanent ones, paces
each sender and writes what happened to the officer's timeline. An adapter only sends and parses: it turns an
``Outgoing`` into the provider's request and the provider's answer into ``Sent`` or one of the two failures.

The outbox row's ``channel`` names the role a message plays (``sms``, ``voice``, ``group``); configuration says which
adapter plays it (``sms``: Aliyun, Twilio or the outbox simulator; ``voice``: Twilio or the simulator; ``group``: the
duty group's own DingTalk or WeCom robot).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, runtime_checkable


class TemporaryFailure(Exception):
    """Sending may work later (timeouts, 5xx, throttling)."""


class PermanentFailure(Exception):
    """Sending will never work for this message as it is (an invalid number, a template not approved)."""


@dataclass(frozen=True)
class Sent:
    sid: str  # the provider's id for this message, what its delivery reports name
    status: str  # the provider's first delivery state ("queued"; "delivered" where sending is delivering)


@dataclass(frozen=True)
class Outgoing:
    """One message to send, as the outbox row and its rendering describe it."""

    outbox_id: int
    kind: str  # offer | drill_offer | reminder | confirmation | login_code | certificate_reminder | notice | text
    to: str  # a phone number in E.164, or a duty group's id for a group robot
    text: str  # the whole text as rendered, kept on record; channels that send free text send this
    params: dict[str, Any] = field(default_factory=dict)  # the kind's template parameters, for template channels
    validity_s: int | None = None  # an offer must not arrive after its deadline
    status_url: str | None = None  # where the provider reports delivery (Twilio's status callback)
    script_url: str | None = None  # voice: where the call fetches what it reads out


class Channel(Protocol):
    name: str  # the technology, written on the row as its provider: outbox, twilio, aliyun, dingtalk, wecom
    sender: str  # what the provider paces: a sender number, a signature, a robot

    def send(self, message: Outgoing) -> Sent: ...

    def already_sent(self, message: Outgoing, since: datetime) -> str | None:
        """After a crash between sending and recording: the provider's id of this message if it went, else None."""
        ...


@runtime_checkable
class BatchChannel(Protocol):
    """A channel that sends many messages of one kind in one request (Aliyun's SendBatchSms)."""

    def send_batch(self, messages: list[Outgoing]) -> list[Sent | TemporaryFailure | PermanentFailure]: ...
