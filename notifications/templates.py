"""What organization leaders read and hear: the offer by SMS and by voice, and the answers to their SMS replies.

Chinese is the default; a leader who chose English gets English (any language tag starting with ``en``).
Every SMS names the offer's short code and how to answer with it, because that is all a reply is matched on.

An offer says where: the need's place name as a local person knows it (the address given, or "翠苑一区 · 第3网格，
文一西路附近" for a map click), and ends with the short link that opens the offer on the phone page.

An offer SMS costs at most three segments (see ``notifications.segments``); a Chinese offer with its place and link
takes two, and the description the third. What must go out comes first: the code, the reply instructions and the
link are never cut; then the skills and the place, whole when they fit; the description takes what room is left,
shortened to fit, or is left out. When the text would need more, the description is cut first, then the place
(shortened with an ellipsis), then the skill list. The ellipsis is "…" in a UCS-2 text and "..." in a GSM-7 one, where
"…" would switch the whole text to UCS-2 and halve the room. An English offer to a Chinese place is UCS-2 too, so it
has less room than a Chinese one: that is why the budget is three segments, not two.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from notifications.segments import Encoding, encoding, segments

LOCAL_TIME = ZoneInfo("Asia/Shanghai")
OFFER_MAX_SEGMENTS = 3
VOICE_DESCRIPTION_MAX = 120  # characters: a call that reads on and on is hung up on

_OFFER_SMS = {
    "zh": "{drill}应急任务{code}：{skills}，需{head_count}人{place}。{description}请于{deadline}前回复“1 {code} 人数”接受，"
    "“2 {code} 原因”拒绝。{link}",
    "en": '{drill}Task {code}: {skills}, {head_count} people{place}. {description}By {deadline}, reply "1 {code} <people>" '
    'to accept, "2 {code} <reason>" to decline.{link}',
}
_PLACE = {"zh": "，地点：{}", "en": " at {}"}
_DESCRIPTION = {"zh": "情况：{}。", "en": "{}. "}
_LINK = {"zh": "详情：{}", "en": " {}"}
_DRILL_SMS = {"zh": "【演练】", "en": "[DRILL] "}
_REMINDER_SMS = {"zh": "【提醒】", "en": "[Reminder] "}  # a second SMS for an offer still unanswered
_SKILL_SEPARATOR = {"zh": "、", "en": ", "}
_TRAILING_PUNCTUATION = "。.！!；;，,、 "

_VOICE_OFFER = {
    "zh": "{drill}应急任务：{skills}，需要{head_count}人{place}。{description}接受请按1，拒绝请按2。",
    "en": "{drill}Emergency task: {skills}, {head_count} people needed{place}. {description}Press 1 to accept, 2 to decline.",
}
_VOICE_PLACE = {"zh": "，地点：{}", "en": ", at {}"}
_DRILL_VOICE = {"zh": "演练。", "en": "Drill. "}

_REPLY_HELP = {
    "zh": "未能识别您的回复。接受请回复“1 任务码 人数”，拒绝请回复“2 任务码 原因”，任务码见派单短信。",
    "en": 'Sorry, we could not read your reply. Reply "1 CODE <people>" to accept or "2 CODE <reason>" to decline, '
    "with the CODE from the offer SMS.",
}

_REPLY_ACK = {
    "accepted": {
        "zh": "已确认：任务{code}，{head_count}人前往。谢谢！",
        "en": "Confirmed: task {code}, {head_count} people. Thank you!",
    },
    "declined": {
        "zh": "已收到：您已拒绝任务{code}。",
        "en": "Noted: you declined task {code}.",
    },
    "not_found": {
        "zh": "没有任务码为{code}的待回复任务，请核对派单短信中的任务码。",
        "en": "No open offer with code {code} for this phone. Please check the code in the offer SMS.",
    },
    "too_many": {
        "zh": "任务{code}只差{still_needed}人，请回复“1 {code} 人数”，人数不超过{still_needed}。",
        "en": 'Task {code} needs only {still_needed} more. Reply "1 {code} <people>" with {still_needed} or fewer.',
    },
    "over_capacity": {
        "zh": "贵组织目前最多可派{free}人，请回复“1 {code} 人数”，人数不超过{free}。",
        "en": 'Your organization has only {free} people free. Reply "1 {code} <people>" with {free} or fewer.',
    },
    "already_accepted": {
        "zh": "您已接受任务{code}，{head_count}人前往，无需再回复。如需变更，请在手机页操作或联系值班人员。",
        "en": "You already accepted task {code} for {head_count} people; no need to reply. To change it, use the phone page or call the duty officer.",
    },
    "already_declined": {
        "zh": "您已拒绝任务{code}，无需再回复。谢谢！",
        "en": "You already declined task {code}; no need to reply. Thank you!",
    },
    "bad_head_count": {
        "zh": "任务{code}的人数请写1到{most}之间的整数，如“1 {code} 5”。",
        "en": 'For task {code}, give the people as a whole number from 1 to {most}, e.g. "1 {code} 5".',
    },
    "no_one_free": {
        "zh": "贵组织目前没有空余人手，无法接受任务{code}。谢谢！",
        "en": "Your organization has nobody free for task {code} now. Thank you!",
    },
    "closed": {
        "zh": "任务{code}已结束或已满员，无需再回复。谢谢！",
        "en": "Task {code} is no longer open; no need to reply. Thank you!",
    },
}
REPLY_ACK_KINDS = frozenset(_REPLY_ACK)

# The answer to a reply as one template variable (a domestic SMS fills an approved template: a variable holds 35
# characters), Chinese as the templates are: the task code, what happened, what to do next.
_REPLY_RESULT = {
    "accepted": "任务{code}已确认，{head_count}人前往，谢谢",
    "declined": "任务{code}已拒绝，谢谢",
    "not_found": "没有任务码{code}的待回复任务，请核对",
    "too_many": "任务{code}人数超过尚缺人数，请改小后再回复",
    "over_capacity": "任务{code}人数超过贵组织空余人手，请改小",
    "no_one_free": "贵组织暂无空余人手，无法接受任务{code}",
    "already_accepted": "任务{code}已接受（{head_count}人），无需再回复",
    "already_declined": "任务{code}已拒绝，无需再回复",
    "closed": "任务{code}已结束或已满员，无需再回复",
    "reply.bad_head_count": "任务{code}人数请写1到{most}的整数",
}
_REPLY_RESULT_HELP = "未能识别。接受回1 任务码 人数，拒绝回2 任务码 原因"


def reply_result(outcome: str, code: str = "", head_count: int | None = None, most: int = 0) -> str:
    """What happened to a reply, short enough for one template variable (at most 35 characters)."""
    text = _REPLY_RESULT.get(outcome)
    if text is None or (not code and "{code}" in text):
        return _REPLY_RESULT_HELP
    return text.format(code=code, head_count=head_count if head_count is not None else "", most=most)


def language_of(language: str | None) -> str:
    """``en`` for any English tag (``en``, ``en-GB``), else ``zh``: Chinese is the default."""
    return "en" if (language or "").lower().startswith("en") else "zh"


def offer_sms(params: dict[str, Any], language: str = "zh") -> str:
    """The offer SMS for the outbox row's params, within the segment budget (see the module docstring).

    ``params``: ``code``, ``skills`` (codes), optional ``skill_labels`` (code → label in this language),
    ``head_count``, ``place`` and ``place_en`` (the place name; rows written before place names carry ``address``),
    ``description``, ``link``, ``deadline`` (ISO 8601), ``drill``. Any of the optional ones may be empty.
    """
    lang = language_of(language)
    skills, place, description = _skills(params, lang), place_of(params, lang), _description(params)

    def render(skills_text: str, place_text: str, description_text: str = "") -> str:
        return _OFFER_SMS[lang].format(
            drill=(_REMINDER_SMS[lang] if params.get("reminder") else "") + (_DRILL_SMS[lang] if params.get("drill") else ""),
            code=params["code"],
            skills=skills_text,
            head_count=params["head_count"],
            place=_PLACE[lang].format(place_text) if place_text else "",
            description=_DESCRIPTION[lang].format(description_text) if description_text else "",
            deadline=local_time(params["deadline"]),
            link=_LINK[lang].format(params["link"]) if params.get("link") else "",
        )

    fitted_place = _fitting(place, lambda cut: render(skills, cut), OFFER_MAX_SEGMENTS)
    if fitted_place is None:  # not even without the place: the skills are cut too
        fitted_place, skills = "", _fitting(skills, lambda cut: render(cut, ""), OFFER_MAX_SEGMENTS) or ""
    fitted_description = _fitting(description, lambda cut: render(skills, fitted_place, cut), OFFER_MAX_SEGMENTS)
    return render(skills, fitted_place, fitted_description or "")


def voice_offer(params: dict[str, Any], language: str = "zh") -> str:
    """What an offer call reads out: drill mark, skills, head count, place, description, then which key answers how."""
    lang = language_of(language)
    place, description = place_of(params, lang), _description(params)
    if len(description) > VOICE_DESCRIPTION_MAX:
        description = description[: VOICE_DESCRIPTION_MAX - 1].rstrip() + "…"
    return _VOICE_OFFER[lang].format(
        drill=_DRILL_VOICE[lang] if params.get("drill") else "",
        skills=_skills(params, lang),
        head_count=params["head_count"],
        place=_VOICE_PLACE[lang].format(place) if place else "",
        description=_DESCRIPTION[lang].format(description) if description else "",
    )


def place_of(params: dict[str, Any], language: str) -> str:
    """The offer's place in the reader's language: the English place name where one is known, else the Chinese;
    the address of offers written before place names were."""
    english = params.get("place_en") if language_of(language) == "en" else ""
    return english or params.get("place") or params.get("address") or ""


def _description(params: dict[str, Any]) -> str:
    """The need's description on one line, without the full stop the template adds itself."""
    return " ".join((params.get("description") or "").split()).rstrip(_TRAILING_PUNCTUATION)


_LOGIN_CODE = {
    "zh": "【社区应急】登录验证码 {code}，{minutes} 分钟内有效。请勿告诉他人。",
    "en": "Your login code is {code}. It expires in {minutes} minutes. Do not share it.",
}


def login_code(code: str, minutes: int, language: str = "zh") -> str:
    """The SMS with a leader's one-time login code (one segment in either language)."""
    return _LOGIN_CODE[language_of(language)].format(code=code, minutes=minutes)


_CERTIFICATES_EXPIRING = {
    "zh": "【社区应急】贵组织有{count}张证书将在{days}天内到期，最早为{first_date}的{first_skill}证书，请安排复训。",
    "en": "{count} certificate(s) of your organization expire within {days} days, first {first_skill} on {first_date}. "
    "Please arrange refresher training.",
}


def certificates_expiring(count: int, days: int, first_skill: str, first_date: str, language: str = "zh") -> str:
    """The reminder to a leader that members' certificates run out soon (matching stops counting them then)."""
    return _CERTIFICATES_EXPIRING[language_of(language)].format(
        count=count, days=days, first_skill=first_skill, first_date=first_date
    )


def reply_help(language: str = "zh") -> str:
    """The answer to a reply that could not be understood: the two forms a reply takes."""
    return _REPLY_HELP[language_of(language)]


def reply_ack(kind: str, code: str, language: str = "zh", **values: Any) -> str:
    """The answer to an understood reply.

    ``kind`` is ``accepted`` (needs ``head_count``), ``declined``, ``not_found`` (no open offer with that code for
    this phone), ``too_many`` (needs ``still_needed``), ``over_capacity`` (needs ``free``) or ``closed``.
    """
    if kind not in _REPLY_ACK:
        raise ValueError(f"unknown reply acknowledgement {kind!r}")
    return _REPLY_ACK[kind][language_of(language)].format(code=code, **values)


def local_time(deadline: str) -> str:
    """HH:MM in China's time of an ISO 8601 instant; one without a zone is taken as UTC, as the database keeps it."""
    moment = datetime.fromisoformat(deadline)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(LOCAL_TIME).strftime("%H:%M")


def _skills(params: dict[str, Any], lang: str) -> str:
    labels = params.get("skill_labels") or {}
    return _SKILL_SEPARATOR[lang].join(labels.get(code, code) for code in params["skills"])


def _fitting(field: str, render: Callable[[str], str], budget: int) -> str | None:
    """``field`` whole if the text fits ``budget`` segments with it, else its longest prefix plus an ellipsis that fits,
    else "" if the text fits without it; None if not even that fits."""
    if segments(render(field)) <= budget:
        return field

    def shortened(length: int) -> str:
        cut = field[:length].rstrip()
        return cut + ("..." if encoding(render(cut)) is Encoding.GSM7 else "…")

    # A shorter prefix never costs more (at worst it drops the last character that needed UCS-2), so the longest
    # prefix that fits is found by halving: a 2,000-character description takes a dozen renders, not 2,000.
    low, high = 0, len(field) - 1  # prefix lengths: low fits (0 is tried last), high is the longest worth trying
    while low < high:
        middle = (low + high + 1) // 2
        if segments(render(shortened(middle))) <= budget:
            low = middle
        else:
            high = middle - 1
    if low > 0 and field[:low].strip():
        return shortened(low)
    return "" if segments(render("")) <= budget else None
