"""The API's pagination: DRF's limit/offset with bounds. Unbounded, `?limit=10**20` or
`?offset=10**20` reached PostgreSQL as a LIMIT/OFFSET outside bigint and failed with a 500
(found by schemathesis: tests/reliability/test_api_fuzz.py)."""

from rest_framework.pagination import LimitOffsetPagination

MAX_OFFSET = 10**12  # far past any firm's row count, well inside bigint


class BoundedLimitOffsetPagination(LimitOffsetPagination):
    max_limit = 1000

    def get_offset(self, request):
        return min(super().get_offset(request), MAX_OFFSET)
