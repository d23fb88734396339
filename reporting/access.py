"""Who may see what in reporting."""

from firms.choices import COMPLIANCE_ROLES, Role
from firms.views import role_required

METRICS_ROLES = COMPLIANCE_ROLES | {Role.SENIOR_ADVISOR, Role.OPS}

officer_required = role_required(*COMPLIANCE_ROLES)  # reports, evidence packs, widenings
metrics_required = role_required(*METRICS_ROLES)  # dashboard, threshold review
review_required = role_required(*COMPLIANCE_ROLES, Role.SENIOR_ADVISOR)  # threshold review
