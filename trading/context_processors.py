"""A banner on every staff page while the firm's automated execution is paused."""

from .choices import PauseScope
from .models import ExecutionPause


def execution(request):
    """The firm's latest open firm-wide pause (or None), for base.html's banner."""
    membership = getattr(request, "membership", None)
    if membership is None or not membership.is_staff_role:
        return {}
    pause = (
        ExecutionPause.objects.filter(scope=PauseScope.FIRM, resumed_at__isnull=True)
        .order_by("-paused_at")
        .first()
    )
    return {"execution_pause": pause}
