"""The skill taxonomy seeded from Article 5 of the decision plus emergency skills.

Kept as data: the database table is the source of truth once seeded; this list is the seed.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SkillSeed:
    code: str
    label_zh: str
    label_en: str
    needs_certification: bool = False


SKILL_SEEDS: tuple[SkillSeed, ...] = (
    SkillSeed("rescue", "抢险救援", "Rescue", True),
    SkillSeed("first_aid", "应急救护", "First aid", True),
    SkillSeed("medical", "医疗卫生", "Medical", True),
    SkillSeed("psychological_support", "心理疏导", "Psychological support", True),
    SkillSeed("elderly_care", "养老服务", "Elderly care"),
    SkillSeed("childcare", "托育服务", "Childcare"),
    SkillSeed("disability_support", "助残服务", "Disability support"),
    SkillSeed("mediation", "矛盾纠纷调解", "Mediation"),
    SkillSeed("patrol_security", "治安巡逻", "Patrol and security"),
    SkillSeed("legal_aid", "法律援助", "Legal aid"),
    SkillSeed("legal_publicity", "普法宣传", "Legal publicity"),
    SkillSeed("logistics", "后勤物资保障", "Logistics and supplies"),
    SkillSeed("shelter_management", "避灾安置点管理", "Shelter management"),
    SkillSeed("sanitation", "环境卫生消杀", "Sanitation and disinfection"),
    SkillSeed("communications", "通信保障", "Communications", True),
)

SKILL_CODES = frozenset(seed.code for seed in SKILL_SEEDS)
