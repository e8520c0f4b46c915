"""Customer care: what customers write (sources, conversations, messages), who answers
(agents, routing), how (reply templates, replies and their approval), and the targets a
team holds itself to. Every model is re-exported here: `from chorus.care.models import
Conversation` works whichever module holds it."""

from chorus.care.models.agents import CareAgent
from chorus.care.models.crisis import CrisisFlag
from chorus.care.models.inbox import (
    CareTag,
    Conversation,
    ConversationStatus,
    Message,
    MessageDirection,
    Origin,
    Priority,
    SavedView,
)
from chorus.care.models.replies import (
    CareReply,
    EscalationChannel,
    EscalationDelivery,
    ReplyAttempt,
    ReplyAttemptOutcome,
    ReplyMethod,
    ReplyStatus,
    ReplyTemplate,
)
from chorus.care.models.settings import CareSettings
from chorus.care.models.sources import CareSource, SourceKind

__all__ = [
    "CareAgent",
    "CareReply",
    "CareSettings",
    "CareSource",
    "CareTag",
    "Conversation",
    "ConversationStatus",
    "CrisisFlag",
    "EscalationChannel",
    "EscalationDelivery",
    "Message",
    "MessageDirection",
    "Origin",
    "Priority",
    "ReplyAttempt",
    "ReplyAttemptOutcome",
    "ReplyMethod",
    "ReplyStatus",
    "ReplyTemplate",
    "SavedView",
    "SourceKind",
]
