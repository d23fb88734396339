from django.apps import AppConfig


class ComplianceConfig(AppConfig):
    name = "compliance"

    def ready(self):
        from drift.services.harvest import HARVEST_TABLE_PROVIDERS
        from drift.wash_sale import RULE_PARAMS_READERS

        from .receivers import connect
        from .selectors import pairs_frame, rule_params_enabled, substitutes_frame

        connect()
        # The builder reads the rules' parameters the checks will apply (wash window, cash floor, cap).
        if rule_params_enabled not in RULE_PARAMS_READERS:
            RULE_PARAMS_READERS.append(rule_params_enabled)
        # Tax-loss harvesting reads the substantially-identical pairs and the substitutes table.
        HARVEST_TABLE_PROVIDERS["compliance"] = (pairs_frame, substitutes_frame)
