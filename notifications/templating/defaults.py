"""The shipped wording for each kind of email, used until a firm writes its own.

Plain language for clients: what we propose, what it costs, what they need to do, by when."""

from dataclasses import dataclass

from ..choices import Kind


@dataclass(frozen=True)
class DefaultTemplate:
    kind: str
    subject: str
    body_html: str
    body_text: str
    is_default: bool = True


def _t(kind, subject, html, text):
    return DefaultTemplate(kind, subject, html.strip(), text.strip())


DEFAULTS: dict[str, DefaultTemplate] = {
    t.kind: t
    for t in (
        _t(
            Kind.PROPOSAL,
            "Your portfolio: a rebalancing proposal for account {{Account.Number}}",
            """
<p>Dear {{Client.Name}},</p>
<p>Markets have moved your account {{Account.Number}} away from the mix of investments you \
agreed with us.
We propose a few trades to bring it back in line. Nothing happens until you approve.</p>
<h2 style="font-size:16px;margin:16px 0 4px">How your account is invested</h2>
{{Portfolio.AllocationChange}}
<h2 style="font-size:16px;margin:16px 0 4px">The trades we propose</h2>
{{Rebalance.TradeList}}
<h2 style="font-size:16px;margin:16px 0 4px">What it costs</h2>
{{Rebalance.EstimatedCosts}}
<p>Please review and decide by <strong>{{Approval.Deadline}}</strong>.</p>
<p>{{Portal.Link}}</p>
<p>Questions? Just reply, or contact {{Advisor.Name}}.</p>
""",
            """
Dear {{Client.Name}},

Markets have moved your account {{Account.Number}} away from the mix of investments you agreed \
with us.
We propose a few trades to bring it back in line. Nothing happens until you approve.

How your account is invested:
{{Portfolio.AllocationChange}}
The trades we propose:
{{Rebalance.TradeList}}
What it costs:
{{Rebalance.EstimatedCosts}}
Please review and decide by {{Approval.Deadline}}:
{{Portal.Link}}

Questions? Just reply, or contact {{Advisor.Name}}.
""",
        ),
        _t(
            Kind.REMINDER,
            "Reminder: your rebalancing proposal is waiting ({{Account.Number}})",
            """
<p>Dear {{Client.Name}},</p>
<p>A quick reminder: we are waiting for your decision on the rebalancing proposal for account
{{Account.Number}}. The proposal expires on <strong>{{Approval.Deadline}}</strong>.</p>
{{Rebalance.TradeList}}
<p>{{Portal.Link}}</p>
<p>{{Advisor.Name}}</p>
""",
            """
Dear {{Client.Name}},

A quick reminder: we are waiting for your decision on the rebalancing proposal for account
{{Account.Number}}. The proposal expires on {{Approval.Deadline}}.
{{Rebalance.TradeList}}
Review it here: {{Portal.Link}}

{{Advisor.Name}}
""",
        ),
        _t(
            Kind.ESCALATION,
            "Needs attention: proposal for {{Client.Name}} ({{Account.Number}})",
            """
<p>The rebalancing proposal for {{Client.Name}}, account {{Account.Number}}, has not been decided
and its window closes on <strong>{{Approval.Deadline}}</strong>. Please follow up.</p>
{{Rebalance.TradeList}}
{{Rebalance.EstimatedCosts}}
<p>{{Portal.Link}}</p>
""",
            """
The rebalancing proposal for {{Client.Name}}, account {{Account.Number}}, has not been decided
and its window closes on {{Approval.Deadline}}. Please follow up.
{{Rebalance.TradeList}}
{{Rebalance.EstimatedCosts}}
{{Portal.Link}}
""",
        ),
        _t(
            Kind.DECISION_APPROVED,
            "Thank you: your rebalancing for {{Account.Number}} is approved",
            """
<p>Dear {{Client.Name}},</p>
<p>Thank you. You approved the rebalancing of account {{Account.Number}}. We will place these trades
on the next trading day and confirm once they are done.</p>
{{Rebalance.TradeList}}
<p>{{Advisor.Name}}</p>
""",
            """
Dear {{Client.Name}},

Thank you. You approved the rebalancing of account {{Account.Number}}. We will place these trades
on the next trading day and confirm once they are done.
{{Rebalance.TradeList}}
{{Advisor.Name}}
""",
        ),
        _t(
            Kind.DECISION_DECLINED,
            "Your decision: no changes to account {{Account.Number}}",
            """
<p>Dear {{Client.Name}},</p>
<p>You declined the proposed rebalancing of account {{Account.Number}}. We will not make these \
trades.
If you would like to talk it over, {{Advisor.Name}} is happy to help.</p>
""",
            """
Dear {{Client.Name}},

You declined the proposed rebalancing of account {{Account.Number}}. We will not make these trades.
If you would like to talk it over, {{Advisor.Name}} is happy to help.
""",
        ),
        _t(
            Kind.DECISION_EXPIRED,
            "The rebalancing proposal for {{Account.Number}} has expired",
            """
<p>Dear {{Client.Name}},</p>
<p>The rebalancing proposal for account {{Account.Number}} expired without a decision, so no trades
were made. {{Advisor.Name}} will be in touch.</p>
""",
            """
Dear {{Client.Name}},

The rebalancing proposal for account {{Account.Number}} expired without a decision, so no trades
were made. {{Advisor.Name}} will be in touch.
""",
        ),
        _t(
            Kind.TRADE_CONFIRMATION,
            "Done: the trades in account {{Account.Number}}",
            """
<p>Dear {{Client.Name}},</p>
<p>The rebalancing trades in account {{Account.Number}} have been completed.</p>
{{Execution.Filled}}
<p>You will also see them on your custodian's statement. {{Portal.Link}}</p>
""",
            """
Dear {{Client.Name}},

The rebalancing trades in account {{Account.Number}} have been completed.
{{Execution.Filled}}
You will also see them on your custodian's statement: {{Portal.Link}}
""",
        ),
        _t(
            Kind.PARTIAL_FILL_NOTICE,
            "Update: some trades in account {{Account.Number}} were not completed",
            """
<p>Dear {{Client.Name}},</p>
<p>We placed the rebalancing trades for account {{Account.Number}}. Some were completed and \
some were not.</p>
<h2 style="font-size:16px;margin:16px 0 4px">Completed</h2>
{{Execution.Filled}}
<h2 style="font-size:16px;margin:16px 0 4px">Not completed</h2>
{{Execution.NotFilled}}
<p>{{Advisor.Name}} will follow up on what was not done.</p>
""",
            """
Dear {{Client.Name}},

We placed the rebalancing trades for account {{Account.Number}}. Some were completed and some \
were not.

Completed:
{{Execution.Filled}}
Not completed:
{{Execution.NotFilled}}
{{Advisor.Name}} will follow up on what was not done.
""",
        ),
        _t(
            Kind.PROPOSAL_REPLACED,
            "Replaced: the rebalancing proposal for account {{Account.Number}}",
            """
<p>Hello,</p>
<p>The rebalancing proposal for account {{Account.Number}} that you {{Decision.Outcome}} has \
been replaced by a
newer proposal (for example because cash was raised, the model changed or prices moved). None \
of the earlier
trades below will be made, and the approval given for it no longer counts.</p>
{{Rebalance.TradeList}}
<p>The newer proposal goes through the usual review; you will hear from us when it needs your \
decision.
Questions? Contact {{Advisor.Name}}.</p>
""",
            """
Hello,

The rebalancing proposal for account {{Account.Number}} that you {{Decision.Outcome}} has been \
replaced by a
newer proposal (for example because cash was raised, the model changed or prices moved). None \
of the earlier
trades below will be made, and the approval given for it no longer counts.
{{Rebalance.TradeList}}
The newer proposal goes through the usual review; you will hear from us when it needs your decision.
Questions? Contact {{Advisor.Name}}.
""",
        ),
        _t(
            Kind.ADVISOR_DECISION,
            "Not traded: the proposal for {{Client.Name}} ({{Account.Number}}), \
{{Decision.Outcome}}",
            """
<p>The rebalancing proposal for {{Client.Name}}, account {{Account.Number}}: {{Decision.Outcome}}.
Nothing will be traded. Please follow up with the client.</p>
<p>The client's reason: {{Decision.Reason}}</p>
{{Rebalance.TradeList}}
{{Rebalance.EstimatedCosts}}
""",
            """
The rebalancing proposal for {{Client.Name}}, account {{Account.Number}}: {{Decision.Outcome}}.
Nothing will be traded. Please follow up with the client.
The client's reason: {{Decision.Reason}}
{{Rebalance.TradeList}}
{{Rebalance.EstimatedCosts}}
""",
        ),
        _t(
            Kind.PROPOSAL_WITHDRAWN,
            "On hold: the rebalancing proposal for account {{Account.Number}}",
            """
<p>Hello,</p>
<p>The rebalancing proposal for account {{Account.Number}} that you {{Decision.Outcome}} has \
been withdrawn
for another compliance review before any trade was made (for example because new account \
history arrived).
None of the trades below will be made, and the approval given for it no longer counts.</p>
{{Rebalance.TradeList}}
<p>If a new proposal needs your decision, you will hear from us. Questions? Contact \
{{Advisor.Name}}.</p>
""",
            """
Hello,

The rebalancing proposal for account {{Account.Number}} that you {{Decision.Outcome}} has been \
withdrawn
for another compliance review before any trade was made (for example because new account \
history arrived).
None of the trades below will be made, and the approval given for it no longer counts.
{{Rebalance.TradeList}}
If a new proposal needs your decision, you will hear from us. Questions? Contact {{Advisor.Name}}.
""",
        ),
    )
}
