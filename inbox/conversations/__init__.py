"""Conversations: the queries the inbox, the thread and the API share."""
