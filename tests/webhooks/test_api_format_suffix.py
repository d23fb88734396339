"""The API's actions answer their .json twins too (the fuzz test found a 500 there)."""

import pytest

from firms.choices import Role

pytestmark = pytest.mark.django_db


def test_actions_on_an_unknown_id_answer_404_with_a_format_suffix(client, members_a):
    from firms.services.api_tokens import api_token_create

    for role in (Role.OPS, Role.FIRM_ADMIN):
        auth = {
            "HTTP_AUTHORIZATION": f"Token {api_token_create(members_a[role].user)}",
            "HTTP_HOST": "localhost",
        }
        for url in (
            "/api/webhooks/deliveries/1024/replay.json",
            "/api/webhooks/deliveries/1024/replay/",
        ):
            r = client.post(url, **auth)
            assert r.status_code == 404, (role, url, r.status_code)
    for path in ("endpoints/1024/pause", "endpoints/1024/resume", "endpoints/1024/rotate-secret"):
        r = client.post(f"/api/webhooks/{path}.json", **auth)
        assert r.status_code == 404, (path, r.status_code)
