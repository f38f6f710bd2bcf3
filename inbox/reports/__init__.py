"""Reports for supervisors: volumes, reply vs push, response and resolution times, per agent."""

from inbox.reports.routes import bp

__all__ = ["bp"]
