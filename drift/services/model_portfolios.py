"""Managing the firm's model portfolios: create, rename, change holdings (through the
preview-then-apply of drift.services.advisor), retire. Every change is audited; the role
matrix (firms.permissions.Action.MODELS) says who may call these, the pages check it.

Weights are Decimal percentages and must add up to exactly 100: a model that sums to 99.99
would leave cash the adviser never chose, one at 100.01 cannot be bought."""

import hashlib
import json
from decimal import Decimal

from django.core import signing
from django.db import IntegrityError, transaction
from django.utils import timezone

from firms.services.audit import audit_record
from portfolios.models import Account, ModelPortfolio, ModelTarget, Security

HUNDRED = Decimal("100")
CONFIRM_SALT = "drift.model-apply"
CONFIRM_MAX_AGE = 3600  # seconds a preview stays confirmable


class ModelRefused(ValueError):
    """The model change cannot be made (the message says why, for the page)."""


def targets_problem(targets: list[dict]) -> str:
    """Why these targets (security_id, asset_class, weight) are not a model, or ""."""
    if not targets:
        return "A model needs at least one holding."
    seen: set[int] = set()
    total = Decimal("0")
    for t in targets:
        weight = t["weight"]
        if not isinstance(weight, Decimal):
            return "Weights must be decimal percentages."
        if not (Decimal("0") < weight <= HUNDRED):
            return f"Each weight must be above 0% and at most 100%; one is {weight}%."
        if t["security_id"] in seen:
            return "A security appears twice; list each holding once."
        seen.add(t["security_id"])
        total += weight
    if total != HUNDRED:
        return f"The weights add up to {total.normalize():f}%; they must add up to exactly 100%."
    return ""


def targets_check(targets: list[dict]) -> None:
    if problem := targets_problem(targets):
        raise ModelRefused(problem)


def _target_rows(firm_id: int, model: ModelPortfolio, targets: list[dict]) -> list[ModelTarget]:
    return [
        ModelTarget(
            firm_id=firm_id,
            model=model,
            asset_class=t["asset_class"],
            security_id=t["security_id"],
            weight=t["weight"],
        )
        for t in targets
    ]


def _name_free(name: str, exclude_pk: int | None = None) -> None:
    taken = ModelPortfolio.objects.filter(name__iexact=name.strip())
    if exclude_pk:
        taken = taken.exclude(pk=exclude_pk)
    if taken.exists():
        raise ModelRefused(f"A model named “{name.strip()}” already exists; choose another name.")


def model_create(
    *, firm_id: int, name: str, description: str, targets: list[dict], actor
) -> ModelPortfolio:
    """A new model with its holdings; nothing is written if any part is wrong."""
    name = name.strip()
    if not name:
        raise ModelRefused("A model needs a name.")
    targets_check(targets)
    _securities_known(targets)
    _name_free(name)
    try:
        with transaction.atomic():
            model = ModelPortfolio.objects.create(
                firm_id=firm_id, name=name, description=description
            )
            ModelTarget.objects.bulk_create(_target_rows(firm_id, model, targets))
            audit_record(
                firm_id=firm_id,
                event="model.created",
                actor=getattr(actor, "user", None),
                obj=model,
                payload={"name": name, "targets": _payload(targets)},
            )
    except IntegrityError as exc:  # a concurrent twin took the name
        raise ModelRefused(f"A model named “{name}” already exists; choose another name.") from exc
    return model


def model_details_check(*, model: ModelPortfolio, name: str) -> None:
    """Raise ModelRefused if the model may not take this name (a preview checks it)."""
    if not name.strip():
        raise ModelRefused("A model needs a name.")
    _name_free(name, exclude_pk=model.pk)


def model_details_update(*, model: ModelPortfolio, name: str, description: str, actor) -> bool:
    """Rename / re-describe the model; True if anything changed (audited)."""
    name = name.strip()
    if not name:
        raise ModelRefused("A model needs a name.")
    if (name, description) == (model.name, model.description):
        return False
    _name_free(name, exclude_pk=model.pk)
    with transaction.atomic():
        before = {"name": model.name, "description": model.description}
        model.name, model.description = name, description
        model.save(update_fields=["name", "description"])
        audit_record(
            firm_id=model.firm_id,
            event="model.details_changed",
            actor=getattr(actor, "user", None),
            obj=model,
            payload={"before": before, "after": {"name": name, "description": description}},
        )
    return True


def model_retire(*, model: ModelPortfolio, actor) -> list[str]:
    """Retire the model: never assigned again. Returns the numbers of the accounts still on it
    (they keep it until moved; the page lists them)."""
    with transaction.atomic():
        model = ModelPortfolio.objects.select_for_update().get(pk=model.pk)
        if model.retired_at is not None:
            raise ModelRefused(f"“{model.name}” is already retired.")
        model.retired_at = timezone.now()
        model.save(update_fields=["retired_at"])
        numbers = accounts_on(model)
        audit_record(
            firm_id=model.firm_id,
            event="model.retired",
            actor=getattr(actor, "user", None),
            obj=model,
            payload={"name": model.name, "accounts_still_on_it": numbers[:500]},
        )
    return numbers


def accounts_on(model: ModelPortfolio) -> list[str]:
    return list(
        Account.objects.filter(model=model).order_by("number").values_list("number", flat=True)
    )


def _securities_known(targets: list[dict]) -> None:
    ids = {t["security_id"] for t in targets}
    if Security.objects.filter(pk__in=ids).count() != len(ids):
        raise ModelRefused("A holding names a security the firm does not have.")


def _payload(targets: list[dict]) -> list[dict]:
    return [{k: str(v) for k, v in t.items()} for t in targets]


# --- the confirmation of an apply: a signed digest of exactly what was previewed ------------


def _digest(model_pk: int, targets: list[dict]) -> str:
    rows = sorted(
        (t["security_id"], t["asset_class"], format(Decimal(str(t["weight"])).normalize(), "f"))
        for t in targets
    )
    return hashlib.sha256(json.dumps([model_pk, rows]).encode()).hexdigest()


def apply_confirmation(model_pk: int, targets: list[dict]) -> str:
    """The token a preview hands the page: applying needs it back, for the same targets."""
    return signing.dumps(_digest(model_pk, targets), salt=CONFIRM_SALT)


def apply_confirmed(token: str, model_pk: int, targets: list[dict]) -> bool:
    try:
        digest = signing.loads(token or "", salt=CONFIRM_SALT, max_age=CONFIRM_MAX_AGE)
    except signing.BadSignature:
        return False
    return digest == _digest(model_pk, targets)
