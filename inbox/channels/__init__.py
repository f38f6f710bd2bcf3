"""Channels, the domain: credentials, the access-token lifecycle (issue, renew before expiry,
revoke) and health. The admin pages and CLI, the inbox's banner and every sender build on it;
`line_client(channel)` is how the app reaches LINE for a channel."""

from inbox.channels import tokens  # registers the token renewal job
from inbox.channels.client import flush_call_log, init_app, line_client

__all__ = ["flush_call_log", "init_app", "line_client", "tokens"]
