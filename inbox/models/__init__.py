"""The conversation store: SQLAlchemy 2.0 typed models."""

from inbox.models.audit import AuditEntry
from inbox.models.channel import (
    AUTOMATIC_TOKEN_MODES,
    PLAN_RATE_LIMITS,
    ROUTING_CAP,
    WAITING_AMBER_MINUTES,
    WAITING_RED_MINUTES,
    Channel,
    Plan,
    RoutingMode,
    TokenMode,
)
from inbox.models.conversation import (
    Contact,
    Conversation,
    ConversationEpisode,
    ConversationMember,
    ConversationStatus,
    FollowState,
    ReplyToken,
    SourceType,
)
from inbox.models.job import Job, JobState
from inbox.models.label import Label, LabelColour, conversation_labels
from inbox.models.line_api_call import LineApiCall
from inbox.models.message import (
    ACTIVITY_TYPES,
    ASSIGNMENT_CHANGED,
    LABELS_CHANGED,
    SNOOZE_CHANGED,
    STATUS_CHANGED,
    Attachment,
    AttachmentState,
    DeliveryState,
    Direction,
    Message,
    MessageRevision,
    SendMode,
)
from inbox.models.routing import AgentAbsence, RoutingTurn
from inbox.models.saved_reply import SavedReply
from inbox.models.types import from_line_millis, utcnow
from inbox.models.user import ApiToken, Role, SignInFailure, User, UserRole
from inbox.models.webhook_event import EventState, WebhookEvent, WebhookRejection

__all__ = [
    "ACTIVITY_TYPES",
    "ASSIGNMENT_CHANGED",
    "AUTOMATIC_TOKEN_MODES",
    "LABELS_CHANGED",
    "PLAN_RATE_LIMITS",
    "ROUTING_CAP",
    "SNOOZE_CHANGED",
    "STATUS_CHANGED",
    "WAITING_AMBER_MINUTES",
    "WAITING_RED_MINUTES",
    "AgentAbsence",
    "ApiToken",
    "Attachment",
    "AttachmentState",
    "AuditEntry",
    "Channel",
    "Contact",
    "Conversation",
    "ConversationEpisode",
    "ConversationMember",
    "ConversationStatus",
    "DeliveryState",
    "Direction",
    "EventState",
    "FollowState",
    "Job",
    "JobState",
    "Label",
    "LabelColour",
    "LineApiCall",
    "Message",
    "MessageRevision",
    "Plan",
    "ReplyToken",
    "Role",
    "RoutingMode",
    "RoutingTurn",
    "SavedReply",
    "SendMode",
    "SignInFailure",
    "SourceType",
    "TokenMode",
    "User",
    "UserRole",
    "WebhookEvent",
    "WebhookRejection",
    "conversation_labels",
    "from_line_millis",
    "utcnow",
]
