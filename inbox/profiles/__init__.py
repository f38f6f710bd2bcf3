"""Who is in each chat: contact profiles, group summaries and members, fetched by jobs."""

from inbox.profiles.refresh import want_group_refresh, want_profile

__all__ = ["want_group_refresh", "want_profile"]
