"""The fake Aliyun's settings for the SMS tests: the office's signature, its templates (the README's suggested texts)
and the secret of the push path."""

from __future__ import annotations

import json

from notifications.channels.aliyun_sms import AliyunSms
from notifications.channels.aliyun_templates import SUGGESTED_TEXTS, parse_templates
from tests.fake_aliyun_sms import FakeAliyunSms

SIGN = "社区应急"
PUSH_TOKEN = "push-7b1f0c2e9a41d8e3"
CODES = {kind: f"SMS_48210{n:02d}" for n, kind in enumerate(SUGGESTED_TEXTS)}
TEMPLATES = json.dumps({kind: code for kind, code in CODES.items()})


def aliyun_channel(fake: FakeAliyunSms, timeout_s: float = 3) -> AliyunSms:
    templates = parse_templates(TEMPLATES)
    return AliyunSms(fake.access_key_id, fake.access_key_secret, SIGN, templates, fake.endpoint, timeout_s=timeout_s)
