"""What drift hears from firms: a new firm's defaults (the shipped drift rules)."""


def defaults_seed(sender, firm_id: int, **kwargs) -> dict[str, int]:
    from .services.rules import drift_rules_ensure_defaults

    return {"drift_rules": drift_rules_ensure_defaults(firm_id=firm_id)}


def connect() -> None:
    from firms.signals import firm_defaults_wanted

    firm_defaults_wanted.connect(defaults_seed, dispatch_uid="drift.defaults_seed")
