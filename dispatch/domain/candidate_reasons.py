"""Why an organization is asked, in words a duty officer reads at a glance, in Chinese and in English.

Each fact is said once, as a short clause; the clauses that do not apply are left out. Reliability is
what the organization did with the offers it answered in the past year (an offer still waiting for
its answer, such as the one just made, is no evidence yet and is not counted).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["CandidateFacts", "reason_en", "reason_zh"]


@dataclass(frozen=True)
class CandidateFacts:
    """What a duty officer reads about one candidate organization."""

    serves_cell: bool
    same_community: bool
    metres: float
    free: int
    load: int
    offered: int  # offers answered or expired in the past year
    accepted: int
    ready: int | None = None  # what it said on standby (备勤) while a warning stands; None: not asked or not said


def reason_zh(facts: CandidateFacts) -> str:
    """The facts as one Chinese sentence, clauses joined by full-width semicolons."""
    clauses = ["服务本网格"] if facts.serves_cell else []
    clauses += ["同社区"] if facts.same_community else []
    clauses.append(f"相距 {_distance_zh(facts.metres)}")
    clauses.append(f"现可派 {facts.free} 人" + (f"，另有 {facts.load} 人正在出勤" if facts.load else ""))
    clauses += [f"备勤回复可出动 {facts.ready} 人"] if facts.ready is not None else []
    clauses.append(f"近一年派单 {facts.offered} 次，接受 {facts.accepted} 次" if facts.offered else "近一年未接过派单")
    return "；".join(clauses) + "。"


def reason_en(facts: CandidateFacts) -> str:
    """The facts as one English sentence, clauses joined by semicolons."""
    clauses = ["serves this grid cell"] if facts.serves_cell else []
    clauses += ["same community"] if facts.same_community else []
    clauses.append(f"{_distance_en(facts.metres)} away")
    clauses.append(f"{_people(facts.free)} free now" + (f", {facts.load} more already out" if facts.load else ""))
    clauses += [f"said {facts.ready} ready on standby"] if facts.ready is not None else []
    clauses.append(
        f"{_offers(facts.offered)} in the past year, {facts.accepted} accepted" if facts.offered else "no offers in the past year"
    )
    sentence = "; ".join(clauses) + "."
    return sentence[0].upper() + sentence[1:]


def _distance_zh(metres: float) -> str:
    return f"{round(metres)} 米" if round(metres) < 1000 else f"{metres / 1000:.1f} 公里"


def _distance_en(metres: float) -> str:
    return f"{round(metres)} m" if round(metres) < 1000 else f"{metres / 1000:.1f} km"


def _people(n: int) -> str:
    return "1 person" if n == 1 else f"{n} people"


def _offers(n: int) -> str:
    return "1 offer" if n == 1 else f"{n} offers"
