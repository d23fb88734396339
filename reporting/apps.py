from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "reporting"
    verbose_name = "Reports and metrics"

    def ready(self):
        from drift.selectors import BAND_FACTOR_PROVIDERS

        from .services.widening import widening_factor_on

        # The scan widens its bands while a firm's volatile-market widening is in force.
        if widening_factor_on not in BAND_FACTOR_PROVIDERS:
            BAND_FACTOR_PROVIDERS.append(widening_factor_on)
