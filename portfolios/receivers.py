"""What portfolios hears from firms: a new firm's defaults (the simulated custodian)."""


def defaults_seed(sender, firm_id: int, **kwargs) -> dict[str, int]:
    from .services.custodians import custodian_defaults_ensure

    return custodian_defaults_ensure(firm_id=firm_id)


def connect() -> None:
    from firms.signals import firm_defaults_wanted

    firm_defaults_wanted.connect(defaults_seed, dispatch_uid="portfolios.defaults_seed")
