"""What each input field is called in an error message: "纬度应不大于 90", "latitude must be at most 90".

A field error from validation (pydantic's types) says only what is wrong ("应不大于 90"); the field's name is put in
front of it here, in the reader's language. Our own codes (skill.unknown, phone.invalid ...) name their subject
already and are left as they are. Every field of every input schema has a label: tests/unit/test_field_labels.py.
"""

from __future__ import annotations

import re
from typing import Any

from dispatch.messages import message

FIELD_LABELS: dict[str, tuple[str, str]] = {
    "action": ("操作", "the action"),
    "actor": ("用户", "the user"),
    "body": ("请求体", "the body"),
    "active": ("启用", "active"),
    "address": ("地址", "the address"),
    "after": ("事件序号", "the event number"),
    "area": ("影响范围", "the affected area"),
    "base": ("驻地", "the base"),
    "base_lat": ("驻地纬度", "the base's latitude"),
    "base_lon": ("驻地经度", "the base's longitude"),
    "based_on": ("修改所依据的版本", "the version the change was made from"),
    "broadcast_k": ("同时派单数", "the number of offers at once"),
    "capacity": ("可派人数", "the people available"),
    "category": ("类别", "the category"),
    "cell_codes": ("网格代码", "the grid cell codes"),
    "cell_ids": ("网格", "the grid cells"),
    "certificate_months": ("证书有效期（月）", "the certificate's months"),
    "certifications": ("证书", "the certificates"),
    "client_ref": ("报告编号", "the report's reference"),
    "code": ("代码", "the code"),
    "community_code": ("社区代码", "the community code"),
    "community_id": ("社区", "the community"),
    "community_name": ("社区名称", "the community's name"),
    "community_name_en": ("社区英文名称", "the community's English name"),
    "contact": ("联系方式", "the contact"),
    "coord_system": ("坐标系", "the coordinate system"),
    "county_code": ("区县代码", "the county code"),
    "county_name": ("区县名称", "the county's name"),
    "county_name_en": ("区县英文名称", "the county's English name"),
    "credit_code": ("统一社会信用代码", "the unified social credit code"),
    "days": ("天数", "the number of days"),
    "description": ("说明", "the description"),
    "drill": ("演练", "drill"),
    "expires_on": ("有效期至", "the expiry date"),
    "geometry": ("网格范围", "the geometry"),
    "head_count": ("人数", "the head count"),
    "idempotency_key": ("幂等键（Idempotency-Key）", "the Idempotency-Key"),
    "held_on": ("培训日期", "the training date"),
    "hours": ("时长（小时）", "the hours"),
    "incident_id": ("突发事件", "the incident"),
    "issued_on": ("发证日期", "the issue date"),
    "issuer": ("发证机构", "the issuer"),
    "kind": ("类型", "the kind"),
    "lat": ("纬度", "latitude"),
    "leader_name": ("负责人", "the leader's name"),
    "leader_phone": ("负责人手机", "the leader's phone"),
    "level": ("级别", "the level"),
    "limit": ("条数上限", "the limit"),
    "line": ("道路走向", "the road's course"),
    "location": ("地点", "the place"),
    "lon": ("经度", "longitude"),
    "member": ("队员", "the member"),
    "member_ids": ("队员", "the members"),
    "mode": ("运行方式", "the mode"),
    "name": ("名称", "the name"),
    "name_en": ("英文名称", "the English name"),
    "note": ("备注", "the note"),
    "offer_timeout_s": ("答复时限（秒）", "the time to answer (seconds)"),
    "on_duty": ("在岗", "on duty"),
    "organization_id": ("组织", "the organization"),
    "organization_name": ("组织名称", "the organization's name"),
    "organizer": ("主办部门", "the organizer"),
    "outcome": ("处理结果", "the outcome"),
    "page": ("页码", "the page"),
    "past": ("历史任务", "past"),
    "people": ("人数", "the people"),
    "per_page": ("每页条数", "the page size"),
    "percent": ("完成比例", "the percentage done"),
    "period": ("期间", "the period"),
    "phone": ("手机", "the phone"),
    "phones": ("手机号显示方式", "how phone numbers are shown"),
    "policy": ("派单方式", "the dispatch policy"),
    "priority": ("优先级", "the priority"),
    "q": ("查询内容", "the search text"),
    "radius_km": ("范围（公里）", "the radius (km)"),
    "reason": ("理由", "the reason"),
    "result": ("结果", "the result"),
    "scenario": ("演练脚本", "the scenario"),
    "cap": ("CAP 预警文件", "the CAP warning"),
    "ready": ("可出动人数", "the people ready"),
    "ask_all_with_skills": ("询问所有具备所需技能的队伍", "ask every team with a needed skill"),
    "auto_start": ("自动启动", "starting by itself"),
    "min_level": ("最低级别", "the lowest level"),
    "designated": ("指定队伍", "the designated organization"),
    "place": ("地点", "the place"),
    "cell": ("网格编码", "the grid cell code"),
    "community": ("社区编码", "the community code"),
    "landmark": ("地标", "the landmark"),
    "colour": ("预警颜色", "the colour"),
    "headline": ("标题", "the headline"),
    "in_force": ("是否生效中", "in force"),
    "subdistrict_ids": ("街道", "the subdistricts"),
    "text": ("预案文本", "the plan's text"),
    "tasks": ("任务", "the tasks"),
    "since": ("起始日期", "the start date"),
    "skill": ("技能", "the skill"),
    "skills": ("技能", "the skills"),
    "state": ("状态", "the state"),
    "status": ("状态", "the status"),
    "subdistrict_code": ("街道（乡镇）代码", "the subdistrict code"),
    "subdistrict_id": ("街道（乡镇）", "the subdistrict"),
    "subdistrict_kind": ("街道或乡镇", "street or township"),
    "subdistrict_name": ("街道（乡镇）名称", "the subdistrict's name"),
    "subdistrict_name_en": ("街道（乡镇）英文名称", "the subdistrict's English name"),
    "summary": ("投诉内容", "the summary"),
    "system": ("坐标系", "the coordinate system"),
    "title": ("标题", "the title"),
    "until": ("截止日期", "the end date"),
    "what": ("工作内容", "the work"),
    "window_end": ("结束时间", "the end time"),
    "window_start": ("开始时间", "the start time"),
    "worker_name": ("网格员", "the grid worker's name"),
    "worker_phone": ("网格员手机", "the grid worker's phone"),
}

# pydantic's error types (and our text.unstorable): they say what is wrong with a value, not which value
PREDICATES = frozenset(
    {
        "missing",
        "extra_forbidden",
        "string_too_short",
        "string_too_long",
        "string_type",
        "string_unicode",
        "string_pattern_mismatch",
        "int_parsing",
        "int_type",
        "int_from_float",
        "float_parsing",
        "float_type",
        "bool_parsing",
        "bool_type",
        "list_type",
        "dict_type",
        "model_type",
        "date_from_datetime_parsing",
        "date_parsing",
        "date_type",
        "datetime_type",
        "datetime_range",
        "datetime_parsing",
        "datetime_from_date_parsing",
        "timezone_aware",
        "enum",
        "literal_error",
        "greater_than",
        "greater_than_equal",
        "less_than",
        "less_than_equal",
        "too_short",
        "too_long",
        "value_error",
        "finite_number",
        "plan.blank",
        "text.blank",
        "text.unstorable",
        "text.direction_control",
    }
)


def field_name(path: str) -> str:
    """The field a dotted error path is about: its last named part (``skills.0.capacity`` is ``capacity``)."""
    named = [re.sub(r"\[\d+\]$", "", part) for part in path.split(".") if part and not part.isdigit()]
    return named[-1] if named else "body"


def field_label(path: str, language: str) -> str:
    """The field's name in ``zh`` or ``en``; a field no schema has (an unknown one) keeps the name it was sent with."""
    name = field_name(path)
    labels = FIELD_LABELS.get(name)
    return labels[1 if language == "en" else 0] if labels else name


def field_message(path: str, code: str, language: str, /, **params: Any) -> str:
    """The message of one field error, naming the field when the message alone would not."""
    text = message(code, language, **params)
    if code not in PREDICATES:
        return text
    label = field_label(path, language)
    joined = " " if language == "en" or label.isascii() else ""
    return f"{label}{joined}{text}"
