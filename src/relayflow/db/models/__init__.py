"""All tables, imported together so that metadata and Alembic see every one."""

from relayflow.db.models.api_key import ApiKey, ApiKeySecret
from relayflow.db.models.audit_event import AuditEvent
from relayflow.db.models.credential import Credential, SharedCredential
from relayflow.db.models.execution import Execution, ExecutionData, ExecutionMetadata
from relayflow.db.models.instance_setting import InstanceSetting
from relayflow.db.models.project import Project, ProjectRelation
from relayflow.db.models.user import User
from relayflow.db.models.user_session import UserSession
from relayflow.db.models.variable import Variable
from relayflow.db.models.workflow import SharedWorkflow, Tag, Workflow, WorkflowTag

__all__ = [
    "ApiKey",
    "ApiKeySecret",
    "AuditEvent",
    "Credential",
    "Execution",
    "ExecutionData",
    "ExecutionMetadata",
    "InstanceSetting",
    "Project",
    "ProjectRelation",
    "SharedCredential",
    "SharedWorkflow",
    "Tag",
    "User",
    "UserSession",
    "Variable",
    "Workflow",
    "WorkflowTag",
]
