"""/healthz: whether this server can reach its database, for load balancers and monitors."""

from flask import Blueprint

from ainews.db import database
from ainews.faults import write_health

bp = Blueprint("ops", __name__)


@bp.get("/healthz")
def healthz():
    """200 when the database answers reads; what failed, if writes failed lately."""
    try:
        with database().connection_context():
            database().execute_sql("SELECT 1")
    except Exception:
        return {"status": "unavailable"}, 503
    failing = write_health()
    if failing:
        return {"status": "read-only", "writes": failing}
    return {"status": "ok"}
