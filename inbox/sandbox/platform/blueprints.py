"""The two emulated hosts: api.line.me and api-data.line.me, each under its own URL prefix."""

from inbox.sandbox.platform.common import platform_blueprint

API_PREFIX = "/sandbox/line-api"
DATA_PREFIX = "/sandbox/line-data"

api = platform_blueprint("sandbox_line_api", API_PREFIX)
data = platform_blueprint("sandbox_line_data", DATA_PREFIX)
