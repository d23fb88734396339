"""The documented merge fields: the only names a firm's template may use.

Each field names the *kind* of value it renders (text, money, table or link); the render
context (notifications.templating.context) supplies values for exactly these names and nothing
else."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Field:
    name: str
    kind: str  # "text" | "table" | "link"
    help: str


FIELDS: dict[str, Field] = {
    f.name: f
    for f in (
        Field("Client.Name", "text", "The client's full name."),
        Field("Client.FirstName", "text", "The first word of the client's name, for a greeting."),
        Field(
            "Account.Number",
            "text",
            "The account number, masked except the last 4 digits (••••1234).",
        ),
        Field("Account.Type", "text", "The account's registration, e.g. Individual, IRA."),
        Field("Portfolio.Value", "text", "The account's value when the proposal was made."),
        Field("Portfolio.CurrentAllocation", "table", "Table: asset class and today's weight."),
        Field(
            "Portfolio.TargetAllocation",
            "table",
            "Table: asset class and the model's target weight.",
        ),
        Field(
            "Portfolio.AllocationChange",
            "table",
            "Table: asset class, today, after the trades, target.",
        ),
        Field(
            "Rebalance.TradeList", "table", "Table: buy/sell, security, quantity, estimated value."
        ),
        Field("Rebalance.TradeCount", "text", "How many trades the proposal makes."),
        Field(
            "Rebalance.EstimatedCosts",
            "table",
            "Table: trading costs, estimated taxes and their total.",
        ),
        Field("Approval.Deadline", "text", "When the approval window closes (US Eastern time)."),
        Field(
            "Portal.Link",
            "link",
            "The client's link into the portal (built from the site's address).",
        ),
        Field("Advisor.Name", "text", "The advisor's name."),
        Field("Advisor.Email", "text", "The advisor's email address."),
        Field("Firm.Name", "text", "The firm's name."),
        Field(
            "Decision.Outcome",
            "text",
            'approved, declined or expired (decision receipts); "declined by the client" or '
            '"expired without the client\'s decision" (to the advisor); "approved" or '
            '"were asked to review" '
            "(a proposal replaced by a newer one).",
        ),
        Field(
            "Decision.Reason",
            "text",
            'The client\'s reason for declining, in their words (to the advisor); "None given" '
            "when they gave none or the window lapsed.",
        ),
        Field(
            "Execution.Filled", "table", "Table: what was traded (confirmations and partial fills)."
        ),
        Field(
            "Execution.NotFilled",
            "table",
            "Table: what was not done and why (partial fills / rejections).",
        ),
    )
}
