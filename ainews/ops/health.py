"""/healthz: whether this server can reach its database, for load balancers and monitors."""

from flask import Blueprint

from ainews.db import database

bp = Blueprint("ops", __name__)


@bp.get("/healthz")
def healthz():
    """200 when the database answers."""
    try:
        with database().connection_context():
            database().execute_sql("SELECT 1")
    except Exception:
        return {"status": "unavailable"}, 503
    return {"status": "ok"}
