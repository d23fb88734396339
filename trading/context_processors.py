"""A banner on every staff page while the firm's automated execution is paused."""

from .choices import PauseScope
from .models import ExecutionPause

# The firm's latest open firm-wide pause, read by firms.middleware with the membership (so a
# page without a pause, the usual case, makes no query for the banner). Under the firm's scope.
FIRM_PAUSE_ID_SQL = (
    f"SELECT p.id FROM {ExecutionPause._meta.db_table} p WHERE p.firm_id = f.id "
    f"AND p.scope = '{PauseScope.FIRM.value}' AND p.resumed_at IS NULL ORDER BY p.paused_at DESC LIMIT 1"
)


def execution(request):
    membership = getattr(request, "membership", None)
    if membership is None or not membership.is_staff_role:
        return {}
    if request.method in ("GET", "HEAD") and "firm_pause_id" in getattr(membership, "facts", {}):
        # Read at the start of this request; a safe request changes nothing in between.
        pause_id = membership.facts["firm_pause_id"]
        return {
            "execution_pause": ExecutionPause.objects.filter(pk=pause_id).first()
            if pause_id
            else None
        }
    pause = (
        ExecutionPause.objects.filter(scope=PauseScope.FIRM, resumed_at__isnull=True)
        .order_by("-paused_at")
        .first()
    )
    return {"execution_pause": pause}
