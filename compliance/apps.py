from django.apps import AppConfig


class ComplianceConfig(AppConfig):
    name = "compliance"

    def ready(self):
        from drift.signals import proposals_created

        from .tasks import proposals_check_enqueue

        proposals_created.connect(proposals_check_enqueue, dispatch_uid="compliance.proposals_check_enqueue")
