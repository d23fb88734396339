"""Every URL of the site: each app's pages, the REST API, accounts and the ops admin."""

from allauth.account.decorators import secure_admin_login
from django.templatetags.static import static
from django.urls import include, path, re_path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from dashboard.urls import dashboard_patterns
from firms.admin import firm_admin_site

# The admin login goes through allauth (rate limits, MFA) like every other login. There is
# no platform-wide admin: platform work (creating firms) is done by management commands.
firm_admin_site.login = secure_admin_login(firm_admin_site.login)


class FaviconRedirect(RedirectView):
    """/favicon.ico → the hashed favicon.svg, resolved per request (at import the static
    manifest may not exist yet, e.g. `check --deploy` before collectstatic)."""

    permanent = True

    def get_redirect_url(self, *args, **kwargs):
        return static("favicon.svg")


urlpatterns = [
    # /healthz, /readyz, /metrics (answered first by ops.middleware.OpsEndpointsMiddleware).
    path("", include("ops.urls")),
    path("", include("dashboard.urls")),
    path("proposals/", include(dashboard_patterns)),
    path("", include("firms.people_urls")),
    # Browsers ask for /favicon.ico whatever the page links; unnamed, outside the matrices.
    path("favicon.ico", FaviconRedirect.as_view()),
    path("accounts/", include("allauth.urls")),
    # Models that moved to the earlier stage reading them; their old admin links still work.
    re_path(
        r"^admin/compliance/(?P<model>substantiallyidenticalpair|substitute)/(?P<rest>.*)$",
        RedirectView.as_view(url="/admin/portfolios/%(model)s/%(rest)s", query_string=True),
    ),
    re_path(
        r"^admin/reporting/tolerancewidening/(?P<rest>.*)$",
        RedirectView.as_view(url="/admin/drift/tolerancewidening/%(rest)s", query_string=True),
    ),
    re_path(
        r"^admin/compliance/compliancerule/(?P<rest>.*)$",
        RedirectView.as_view(url="/admin/drift/compliancerule/%(rest)s", query_string=True),
    ),
    path("admin/", firm_admin_site.urls),
    path("book/", include("portfolios.urls")),
    path("reconciliation/", include("reconciliation.urls")),
    path("drift/", include("drift.urls")),
    path("compliance/", include("compliance.urls")),
    path("notifications/", include("notifications.urls")),
    path("approvals/", include("approvals.urls")),
    path("portal/", include("portal.urls")),
    path("trading/", include("trading.urls")),
    path("reports/", include("reporting.urls")),
    path("webhooks/", include("webhooks.urls")),
    path("api/", include("rebalance_site.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
]
