"""The isolation matrix: every URL pattern, API operation (from the OpenAPI
schema), admin changelist/change/delete/history view, list filter, autocomplete, export and
emailed link, requested by EVERY role of firm A with firm B's ids.

A leak is: a success (2xx, or a redirect that is not "go away") on firm B's id, any response
carrying one of firm B's markers (its name, account numbers, client and staff emails), or any
change to firm B's rows. A new URL or API operation that takes an id and has no entry in
tests/firms/isolation_world.py fails the coverage tests below. Figures are written to
test-artifacts/reliability/isolation.json."""

import json
import re
from pathlib import Path

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse

from firms.admin import firm_admin_site
from firms.choices import ADMIN_SITE_ROLES, STAFF_ROLES, Role
from firms.services.members import member_create
from firms.services.tenancy import firm_scope
from tests.conftest import PASSWORD
from tests.firms.isolation_world import (
    API,
    BULK_POSTS,
    LIST_EXPORTS,
    PAGES,
    PUBLIC,
    build_world,
    fingerprint,
)

pytestmark = pytest.mark.django_db
ROLES = list(Role.values)
FIGURES = {"requests": 0, "leaks": 0, "by_kind": {}}
ARTIFACT = Path(__file__).resolve().parents[2] / "test-artifacts" / "reliability" / "isolation.json"


@pytest.fixture(scope="module", autouse=True)
def _write_figures():
    yield
    ARTIFACT.parent.mkdir(parents=True, exist_ok=True)
    ARTIFACT.write_text(json.dumps(FIGURES, indent=1, sort_keys=True))


# --- coverage: nothing with an id escapes the matrix -------------------------------------


def _named_patterns(resolver=None, prefix=""):
    for p in (resolver or get_resolver()).url_patterns:
        if isinstance(p, URLResolver):
            if p.namespace == "admin":
                continue  # enumerated from the admin registry below
            ns = f"{prefix}{p.namespace}:" if p.namespace else prefix
            yield from _named_patterns(p, ns)
        elif isinstance(p, URLPattern) and p.name:
            yield prefix + p.name, p


def _takes_id(pattern) -> bool:
    return any(k in ("pk", "id") or k.endswith("_id") for k in pattern.pattern.converters)


def _is_allauth(name: str) -> bool:
    return name.startswith(("account_", "mfa_", "socialaccount"))


def test_every_url_with_an_id_is_in_the_matrix():
    project_urls = {name for name, p in _named_patterns() if _takes_id(p) and not _is_allauth(name)}
    missing = project_urls - set(PAGES) - set(API)
    FIGURES["urls_missing"] = sorted(missing)
    assert missing == set(), f"URLs with an id but no isolation entry: {sorted(missing)}"


def _schema_operations():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    for path, item in schema["paths"].items():
        if "{format}" in path:
            continue  # DRF's format-suffix twin of a route listed anyway
        for method in item:
            if method in ("get", "post", "put", "patch", "delete"):
                yield path, method


def _api_name(path: str) -> str:
    return resolve(re.sub(r"\{[^}]+\}", "1", path)).url_name


def test_every_api_operation_with_an_id_is_in_the_matrix():
    ops = list(_schema_operations())
    missing = {_api_name(p) for p, _ in ops if "{" in p} - set(API)
    FIGURES["api_operations"] = len(ops)
    FIGURES["api_operations_missing"] = sorted(missing)
    assert len(ops) > 10 and missing == set(), (
        f"API operations with an id but no isolation entry: {sorted(missing)}"
    )


# --- the world and the members ------------------------------------------------------------


@pytest.fixture
def world(firm_b, members_b):
    return build_world(firm_b, members_b)


@pytest.fixture
def member_a(firm_a, members_a, request):
    role = request.param
    if role != Role.CLIENT:
        return members_a[role]
    from tests.factories import ClientFactory

    with firm_scope(firm_a):
        member = member_create(
            firm=firm_a,
            email="a-client@alpha.test",
            role=Role.CLIENT,
            password=PASSWORD,
            name="A client",
        )
        ClientFactory(firm=firm_a, email="a-client@alpha.test", user=member.user)
        return member


class Tally:
    """Counts requests and collects leaks for one role's sweep."""

    def __init__(self, world, kind):
        self.world, self.kind, self.leaks, self.requests = world, kind, [], 0

    def check(self, label, response, ok_statuses=None, ok=None):
        self.requests += 1
        markers = (
            self.world.leaked(response.content) if not getattr(response, "streaming", False) else []
        )
        status_ok = ok(response) if ok else response.status_code in ok_statuses
        if markers or not status_ok:
            self.leaks.append((label, response.status_code, markers))

    def finish(self):
        entry = FIGURES["by_kind"].setdefault(self.kind, {"requests": 0, "leaks": 0})
        entry["requests"] += self.requests
        entry["leaks"] += len(self.leaks)
        FIGURES["requests"] += self.requests
        FIGURES["leaks"] += len(self.leaks)
        assert self.leaks == [], f"{len(self.leaks)} leaks of {self.requests}: {self.leaks[:20]}"


def _expected(url, role):
    allowed = getattr(resolve(url).func, "allowed_roles", None)
    return {404, 405} if allowed is None or role in allowed else {403, 405}


# --- pages: every id URL, GET and POST, with firm B's id -----------------------------------


@pytest.mark.parametrize("member_a", ROLES, indirect=True)
def test_pages_with_firm_bs_ids_answer_404_and_change_nothing(login, member_a, world):
    before = fingerprint(world.firm_id)
    client, tally = login(member_a), Tally(world, "pages_by_id")
    for name, object_id in sorted((n, i) for n, i in world.ids.items() if n in PAGES):
        url = reverse(name, args=[object_id])
        expected = _expected(url, member_a.role)
        tally.check(f"GET {name}", client.get(url), expected)
        tally.check(
            f"POST {name}",
            client.post(url, {"reason": "x", "decision": "approve", "note": "x"}),
            expected,
        )
    assert fingerprint(world.firm_id) == before
    tally.finish()


def _no_arg_pages():
    for name, p in _named_patterns():
        if not p.pattern.converters and not _is_allauth(name) and not name.startswith("api"):
            if name not in PUBLIC:  # their own test below
                yield name


@pytest.mark.parametrize("member_a", ROLES, indirect=True)
def test_pages_without_ids_show_nothing_of_firm_b(login, member_a, world):
    client, tally = login(member_a), Tally(world, "pages_lists")
    for name in sorted(_no_arg_pages()):
        tally.check(f"GET {name}", client.get(reverse(name)), ok=lambda r: r.status_code < 500)
    tally.finish()


def _found_nothing(response) -> bool:
    """Refused by role, or answered that the posted (firm B) row does not exist."""
    return response.status_code == 403 or (
        response.status_code == 200
        and (
            (b" selected row" in response.content and b"not found" in response.content)
            or b"None of the selected rows can be found" in response.content
        )
    )


@pytest.mark.parametrize("member_a", ROLES, indirect=True)
def test_bulk_forms_with_firm_bs_ids_find_nothing_and_change_nothing(login, member_a, world):
    before = fingerprint(world.firm_id)
    client, tally = login(member_a), Tally(world, "bulk_forms")
    for name, posts in sorted(BULK_POSTS.items()):
        for action, _getter in posts:
            form = {"action": action, "ids": [world.ids[f"{name}#{action}"]], "reason": "x"}
            for confirm in ("", "1"):
                response = client.post(reverse(name), {**form, "confirm": confirm}, follow=True)
                tally.check(
                    f"POST {name} {action} confirm={confirm}",
                    response,
                    ok=_found_nothing,
                )
    assert fingerprint(world.firm_id) == before
    tally.finish()


@pytest.mark.parametrize("member_a", ROLES, indirect=True)
def test_list_exports_carry_nothing_of_firm_b(login, member_a, world):
    client, tally = login(member_a), Tally(world, "list_exports")
    for name in LIST_EXPORTS:
        response = client.get(reverse(name), {"export": "csv", "all": "1", "status": ""})
        tally.check(f"GET {name} csv", response, ok=lambda r: r.status_code in (200, 403))
    tally.finish()


# --- public endpoints: health, readiness, metrics ------------------------------------------


def test_the_public_endpoints_are_the_ones_answered_before_the_firm_scope():
    from ops.middleware import ENDPOINTS

    assert {reverse(name) for name in PUBLIC} == set(ENDPOINTS)


@pytest.mark.parametrize("member_a", ROLES, indirect=True)
def test_public_endpoints_show_nothing_of_firm_b(client, login, member_a, world, settings):
    """Signed in at firm A (session, then API token) or not at all: health and readiness say
    nothing of any firm, and the metrics (every firm's figures) stay the operator's."""
    from firms.services.api_tokens import api_token_create

    settings.METRICS_TOKEN = "the-operators-scrape-token"
    tally = Tally(world, "public")
    for name, ok_statuses in sorted(PUBLIC.items()):
        url = reverse(name)
        tally.check(f"GET {name} anonymous", client.get(url), ok_statuses)
    signed_in = login(member_a)
    for name, ok_statuses in sorted(PUBLIC.items()):
        tally.check(f"GET {name} session", signed_in.get(reverse(name)), ok_statuses)
    signed_in.logout()
    token = {"HTTP_AUTHORIZATION": f"Token {api_token_create(member_a.user)}"}
    for name, ok_statuses in sorted(PUBLIC.items()):
        tally.check(f"GET {name} API token", client.get(reverse(name), **token), ok_statuses)
    tally.finish()


# --- API: every operation in the OpenAPI schema, with a firm-A token ------------------------


@pytest.mark.parametrize("member_a", ROLES, indirect=True)
def test_every_api_operation_with_firm_bs_ids_answers_404(client, member_a, world):
    from firms.services.api_tokens import api_token_create

    auth = {"HTTP_AUTHORIZATION": f"Token {api_token_create(member_a.user)}"}
    before = fingerprint(world.firm_id)
    tally = Tally(world, "api")
    for path, method in _schema_operations():
        if "{" not in path:
            if method == "get":  # lists: firm A's token never lists firm B's rows
                tally.check(
                    f"GET {path}", client.get(path, **auth), ok=lambda r: r.status_code < 500
                )
            continue
        url = re.sub(r"\{[^}]+\}", str(world.ids[_api_name(path)]), path)
        body = {} if method == "get" else {"data": "{}", "content_type": "application/json"}
        response = getattr(client, method)(url, **body, **auth)
        # Clients are not API users (403); staff get 404 — firm B's object does not exist for them.
        tally.check(
            f"{method.upper()} {path}", response, {404} if member_a.role in STAFF_ROLES else {403}
        )
    assert fingerprint(world.firm_id) == before
    tally.finish()


# --- admin: every registered model's views, filters and autocomplete -------------------------


def _admin_ok(role):
    """Ops roles: firm B's object "does not exist" (redirect to the admin index) or 404;
    everybody else is sent to the login page."""

    def ok(response):
        where = response.get("Location", "")
        if role in ADMIN_SITE_ROLES:
            return response.status_code in (403, 404) or (
                response.status_code == 302 and where == reverse("admin:index")
            )
        return response.status_code == 302 and "login" in where

    return ok


def _relation_filters(model_admin):
    for spec in model_admin.list_filter:
        if isinstance(spec, str) and "__" not in spec:
            field = model_admin.model._meta.get_field(spec)
            if field.is_relation:
                yield spec, field.related_model._meta.label_lower


@pytest.mark.parametrize("member_a", ROLES, indirect=True)
def test_the_admin_never_shows_or_opens_firm_bs_rows(login, member_a, world):
    before = fingerprint(world.firm_id)
    client, tally, ok = login(member_a), Tally(world, "admin"), _admin_ok(member_a.role)
    is_ops = member_a.role in ADMIN_SITE_ROLES
    for model, model_admin in firm_admin_site._registry.items():
        info = (model._meta.app_label, model._meta.model_name)
        changelist = reverse("admin:{}_{}_changelist".format(*info))
        sees = is_ops and member_a.role in getattr(
            model_admin, "view_roles", ADMIN_SITE_ROLES
        )  # e.g. monthly reports: firm admins only
        tally.check(
            f"changelist {info}",
            client.get(changelist),
            ok=lambda r, sees=sees: (
                r.status_code == 200 if sees else r.status_code == 403 if is_ops else ok(r)
            ),
        )
        for spec, target in _relation_filters(model_admin):
            if (
                target in world.admin_ids
            ):  # a list filter pointing at firm B's row lists nothing of B
                url = f"{changelist}?{spec}__id__exact={world.admin_ids[target]}"
                tally.check(
                    f"filter {info} {spec}",
                    client.get(url),
                    ok=lambda r: r.status_code in (200, 302) if is_ops else ok(r),
                )
        if model._meta.label_lower in world.admin_ids:
            pk = world.admin_ids[model._meta.label_lower]
            for view in ("change", "delete", "history"):
                url = reverse("admin:{}_{}_{}".format(*info, view), args=[pk])
                tally.check(f"{view} {info}", client.get(url), ok=ok)
            tally.check(
                f"POST delete {info}",
                client.post(
                    reverse("admin:{}_{}_delete".format(*info), args=[pk]), {"post": "yes"}
                ),
                ok=ok,
            )
        for field in model_admin.autocomplete_fields:
            target = model._meta.get_field(field).related_model._meta.label_lower
            response = client.get(
                reverse("admin:autocomplete"),
                {"app_label": info[0], "model_name": info[1], "field_name": field, "term": ""},
            )
            got = (
                {int(r["id"]) for r in response.json()["results"]}
                if response.status_code == 200
                else set()
            )
            tally.check(
                f"autocomplete {info} {field}",
                response,
                ok=lambda r, got=got, target=target: (
                    not (got & world.admin_all.get(target, set()))
                    and r.status_code in (200, 403, 302)
                ),
            )
    assert fingerprint(world.firm_id) == before
    tally.finish()


# --- tasks: firm A's run of a task that names firm B's file, custodian or break ---------------


def test_the_reconciliation_task_of_firm_a_reads_and_changes_nothing_of_firm_b(
    settings, tmp_path, firm_a, world
):
    """Firm B's file sits in B's inbox folder; firm A's task naming it (and B's custodian code)
    finds no such file and no such custodian, and nothing of B changes."""
    from reconciliation.tasks import reconcile_stored_file

    settings.RECONCILIATION_INBOX = tmp_path
    b_inbox = tmp_path / str(world.firm_id)
    b_inbox.mkdir()
    with firm_scope(world.firm_id):
        from portfolios.models import Account, Custodian

        number = Account.objects.values_list("number", flat=True).first()
        code = Custodian.objects.values_list("code", flat=True).first()
    (b_inbox / "b.csv").write_text(f"account_number,symbol,quantity\n{number},VTI,1\n")
    before = fingerprint(world.firm_id)
    tally = Tally(world, "tasks")
    out = reconcile_stored_file.apply(
        kwargs={
            "firm_id": firm_a.pk,
            "custodian_code": code,
            "as_of": "2026-11-24",
            "name": "b.csv",
        }
    ).get()
    tally.requests += 1
    if out["ok"] or world.leaked(repr(out).encode()):
        tally.leaks.append(("reconcile_stored_file", out))
    for escape in ("../b.csv", f"../{world.firm_id}/b.csv", str(b_inbox / "b.csv")):
        tally.requests += 1
        try:
            reconcile_stored_file.apply(
                kwargs={
                    "firm_id": firm_a.pk,
                    "custodian_code": code,
                    "as_of": "2026-11-24",
                    "name": escape,
                },
            ).get()
            tally.leaks.append(("reconcile_stored_file path", escape))
        except ValueError:
            pass
    assert fingerprint(world.firm_id) == before
    tally.finish()


# --- the emailed link: firm B's portal link opened by anyone signed in at firm A -------------


@pytest.mark.parametrize("member_a", ROLES, indirect=True)
def test_firm_bs_emailed_link_shows_nothing_to_firm_a(login, member_a, world):
    tally = Tally(world, "emailed_links")
    client = login(member_a)
    tally.check(
        "GET portal:link", client.get(reverse("portal:link", args=[world.link_token])), {403}
    )
    tally.check("GET portal:home after", client.get(reverse("portal:home")), {200, 403})
    tally.finish()


@pytest.mark.parametrize("member_a", ROLES, indirect=True)
def test_firm_bs_invitation_link_shows_nothing_to_firm_a(login, member_a, world, client):
    """Firm B's invitation link: refused to anybody signed in (at firm A or not), and a
    forged link naming firm B's invitation is not an invitation for anyone."""
    from django.core import signing

    from firms.services.invitations import INVITE_SALT

    tally = Tally(world, "invitation_links")
    invitation = world.ids["people:invitation_revoke"]
    forged = signing.dumps({"f": world.firm_id, "i": invitation, "n": "x"}, salt=INVITE_SALT)
    url = reverse("people:invite_accept", args=[forged])
    tally.check("GET people:invite_accept signed in", login(member_a).get(url), {403})
    tally.check(
        "POST people:invite_accept signed in",
        login(member_a).post(url, {"password1": "p-a-s-s-2026!", "password2": "p-a-s-s-2026!"}),
        {403},
    )
    client.logout()
    tally.check("GET people:invite_accept forged", client.get(url), {410})
    tally.finish()


def test_the_markers_do_show_up_for_firm_bs_own_staff(login, members_b, world):
    """Control: the leak detector is live — firm B's own ops see B's markers where A saw none."""
    client = login(members_b["ops"])
    assert world.leaked(client.get(reverse("admin:portfolios_account_changelist")).content)
    assert (
        client.get(
            reverse("admin:portfolios_account_change", args=[world.admin_ids["portfolios.account"]])
        ).status_code
        == 200
    )
