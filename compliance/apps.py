from django.apps import AppConfig


class ComplianceConfig(AppConfig):
    name = "compliance"

    def ready(self):
        from drift.services.harvest import HARVEST_TABLE_PROVIDERS
        from drift.services.proposals import BUY_SUBSTITUTE_PROVIDERS
        from drift.signals import proposals_created

        from .selectors import pairs_frame, substitutes_frame
        from .services.avoid import wash_sale_buy_substitutes
        from .tasks import proposals_check_enqueue

        proposals_created.connect(proposals_check_enqueue, dispatch_uid="compliance.proposals_check_enqueue")
        if wash_sale_buy_substitutes not in BUY_SUBSTITUTE_PROVIDERS:
            BUY_SUBSTITUTE_PROVIDERS.append(wash_sale_buy_substitutes)
        # Tax-loss harvesting reads the substantially-identical pairs and the substitutes table.
        HARVEST_TABLE_PROVIDERS["compliance"] = (pairs_frame, substitutes_frame)
