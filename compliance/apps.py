from django.apps import AppConfig


class ComplianceConfig(AppConfig):
    name = "compliance"

    def ready(self):
        from drift.wash_sale import RULE_PARAMS_READERS

        from .receivers import connect
        from .selectors import rule_params_enabled

        connect()
        # The builder reads the rules' parameters the checks will apply (wash window, cash floor, cap).
        if rule_params_enabled not in RULE_PARAMS_READERS:
            RULE_PARAMS_READERS.append(rule_params_enabled)
