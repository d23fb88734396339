"""Following a hand-off between stages (signal → receiver → task enqueued on commit) to its
end inside one test transaction."""

from contextlib import ExitStack, contextmanager
from unittest import mock


@contextmanager
def tasks_run_inline(*tasks):
    """Each of `tasks` enqueued inside the block runs at once, called directly in this process
    and transaction, as the worker would run it (other tasks are enqueued as usual)."""
    with ExitStack() as stack:
        for task in tasks:
            stack.enter_context(
                mock.patch.object(task, "delay", side_effect=lambda _t=task, **kw: _t(**kw))
            )
        yield
