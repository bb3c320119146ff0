"""All tables, imported together so that metadata and Alembic see every one."""

from relayflow.db.models.api_key import ApiKey, ApiKeySecret
from relayflow.db.models.audit_event import AuditEvent
from relayflow.db.models.instance_setting import InstanceSetting
from relayflow.db.models.user import User
from relayflow.db.models.user_session import UserSession

__all__ = ["ApiKey", "ApiKeySecret", "AuditEvent", "InstanceSetting", "User", "UserSession"]
