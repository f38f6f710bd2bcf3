"""Agents' messages to LINE: stored as pending rows, sent by a job through reply or push."""

from inbox.outgoing import presence, send  # registers the jobs
from inbox.outgoing.reply_tokens import ReplyWindow, reply_window
from inbox.outgoing.service import CannotSend, SendMode, queue_texts, retry_failed

__all__ = [
    "CannotSend",
    "ReplyWindow",
    "SendMode",
    "presence",
    "queue_texts",
    "reply_window",
    "retry_failed",
    "send",
]
