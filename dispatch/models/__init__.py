"""The database models; importing this package registers every table with the metadata."""

from dispatch.models.audit import AuditAnchor, AuditHead, AuditRecord, LoginFailure
from dispatch.models.complaints import Complaint
from dispatch.models.drills import DrillRun
from dispatch.models.duty_groups import DutyGroup, GroupNotice
from dispatch.models.evaluations import Evaluation, EvaluationRow
from dispatch.models.incidents import Assignment, Event, EventCounter, IdempotencyKey, Incident, Need
from dispatch.models.messages import InboundMessage, OutboxMessage
from dispatch.models.operations import SweeperLease, WorkerBeat
from dispatch.models.organizations import Certification, Member, Organization, OrganizationSkill
from dispatch.models.places import Community, County, GridCell, Landmark, Subdistrict
from dispatch.models.plans import IncidentPlan, NeedDesignation, Plan, PlanVersion
from dispatch.models.recovery import ProgressReport, RecoveryTask
from dispatch.models.risks import RiskReport
from dispatch.models.skills import Skill
from dispatch.models.training import TrainingAttendance, TrainingSession
from dispatch.models.two_factor import RecoveryCode, TwoFactor, UserSession
from dispatch.models.users import LoginCode, PasswordHistory, User
from dispatch.models.warnings import EarlyWarning, StandbyPoll, WarningAlert

__all__ = [
    "Assignment",
    "AuditAnchor",
    "AuditHead",
    "AuditRecord",
    "Certification",
    "Community",
    "Complaint",
    "County",
    "DrillRun",
    "DutyGroup",
    "EarlyWarning",
    "Evaluation",
    "EvaluationRow",
    "Event",
    "EventCounter",
    "GridCell",
    "GroupNotice",
    "IdempotencyKey",
    "InboundMessage",
    "Incident",
    "IncidentPlan",
    "Landmark",
    "LoginCode",
    "LoginFailure",
    "Member",
    "Need",
    "NeedDesignation",
    "Organization",
    "OrganizationSkill",
    "OutboxMessage",
    "PasswordHistory",
    "Plan",
    "PlanVersion",
    "ProgressReport",
    "RecoveryCode",
    "RecoveryTask",
    "RiskReport",
    "Skill",
    "StandbyPoll",
    "Subdistrict",
    "SweeperLease",
    "TrainingAttendance",
    "TrainingSession",
    "TwoFactor",
    "User",
    "UserSession",
    "WarningAlert",
    "WorkerBeat",
]
