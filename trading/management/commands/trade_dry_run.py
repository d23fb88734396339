"""Print what a firm's next trade batch would do; writes and sends nothing."""

from datetime import date

from django.core.management.base import BaseCommand
from django.utils import timezone

from firms.selectors import firm_by_slug
from firms.services.tenancy import firm_scope


class Command(BaseCommand):
    help = (
        "Show what a firm's next trade batch would do (orders, blocks, skipped accounts); "
        "sends nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("firm_slug")
        parser.add_argument("--date", type=date.fromisoformat, default=None, help="YYYY-MM-DD")

    def handle(self, *args, firm_slug, date=None, **options):
        from trading.services.preview import batch_preview, next_batch_date

        firm = firm_by_slug(firm_slug)
        with firm_scope(firm):
            p = batch_preview(firm_id=firm.pk, trade_date=date or next_batch_date(timezone.now()))
        out = self.stdout.write
        out(f"Dry run of {firm.name}'s batch for {p.trade_date} — nothing is sent.")
        if p.firm_paused:
            out(
                self.style.WARNING(
                    f"Execution is paused for the firm ({p.firm_paused}): the batch would send "
                    "nothing."
                )
            )
        out(
            f"Orders: {len(p.orders)}  Blocks: {len(p.blocks)}  Skipped: {len(p.skipped)}  "
            f"Rebuilt for the client: {len(p.reconsent)}"
        )
        for b in p.blocks.itertuples(index=False):
            limit = f" limit {b.limit_price}" if b.limit_price is not None else ""
            out(
                f"  block {b.side} {b.quantity} {b.symbol} ({b.order_type}{limit}) for "
                f"{b.accounts} accounts"
            )
        for b in p.held_blocks:
            out(
                f"  held by a pause (batch of {b.batch.trade_date}) {b.side} {b.quantity} "
                f"{b.security.symbol}: {b.hold_note}"
            )
        for o in p.orders[p.orders["status"] == "held"].itertuples(index=False):
            out(f"  held {o.account_number} {o.side} {o.symbol}: {o.note}")
        for s in p.skipped + p.reconsent:
            out(f"  skipped {s['account']}: {s['reason']}")
