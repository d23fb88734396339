"""The task path: proposals_created → enqueue on commit → FirmTask checks in the firm's scope;
the sweep recovers drafts whose enqueue was lost."""

from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone

from compliance.models import ComplianceReview
from compliance.tasks import proposals_check_task, unchecked_enqueue
from drift.models import Proposal
from drift.services.scan import drift_scan_run
from firms.services.tenancy import firm_scope
from portfolios import models as pm
from tests.compliance.helpers import DAY, book


def test_new_proposals_from_the_scan_are_enqueued_for_checking_after_commit(
    scoped, django_capture_on_commit_callbacks
):
    book(scoped)
    pm.Account.objects.update(segment="conservative")
    with mock.patch.object(proposals_check_task, "delay") as delay:
        with django_capture_on_commit_callbacks(execute=True):
            drift_scan_run(firm_id=scoped.pk, as_of=DAY)
    ids = list(Proposal.objects.values_list("pk", flat=True))
    delay.assert_called_once_with(firm_id=scoped.pk, proposal_ids=ids)


@pytest.mark.django_db(transaction=True)
def test_the_task_checks_in_the_firms_scope_and_is_safe_to_run_twice(firm_a, firm_b):
    with firm_scope(firm_a):
        book(firm_a)
        pm.Account.objects.update(segment="conservative")
        with mock.patch.object(proposals_check_task, "delay"):
            drift_scan_run(firm_id=firm_a.pk, as_of=DAY)
        ids = list(Proposal.objects.values_list("pk", flat=True))
    first = proposals_check_task.apply(kwargs={"firm_id": firm_a.pk, "proposal_ids": ids}).get()
    assert first == {str(ids[0]): "clear"}
    assert (
        proposals_check_task.apply(kwargs={"firm_id": firm_a.pk, "proposal_ids": ids}).get() == {}
    )
    # Firm B's scope sees none of A's proposals: nothing to claim, nothing written.
    assert (
        proposals_check_task.apply(kwargs={"firm_id": firm_b.pk, "proposal_ids": ids}).get() == {}
    )
    with firm_scope(firm_a):
        # Cleared: checked, and handed on (approvals may already have routed it).
        assert Proposal.objects.get().status in ("checked", "awaiting_approval")
        assert ComplianceReview.objects.get().status == "clear"


def test_the_sweep_enqueues_only_old_unchecked_drafts(scoped, django_capture_on_commit_callbacks):
    b = book(scoped)
    pm.Account.objects.update(segment="conservative")
    with mock.patch.object(proposals_check_task, "delay"):
        drift_scan_run(firm_id=scoped.pk, as_of=DAY)
    with (
        mock.patch.object(proposals_check_task, "delay") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert unchecked_enqueue() == []  # just created: its own enqueue is still on the way
        Proposal.objects.update(created_at=timezone.now() - timedelta(minutes=10))
        assert unchecked_enqueue() == [scoped.pk]
    delay.assert_called_once()
    assert b["accounts"]
