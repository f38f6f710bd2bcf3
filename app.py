"""Start LINE Inbox: `python app.py` (or `flask --app app run`, `flask --app app db upgrade`)."""

import logging

from inbox import create_app
from inbox.extensions import socketio

app = create_app()

if __name__ == "__main__":
    from inbox.startup import prepare

    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    prepare(app)
    socketio.run(
        app,
        host=app.config["HOST"],
        port=app.config["PORT"],
        # The threading server suits one machine; a team deployment runs gunicorn (README).
        allow_unsafe_werkzeug=True,
    )
