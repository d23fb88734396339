"""The set-up files in the book's all-or-nothing import: each sample imports; a bad row of any
of them is reported by file, row and column, and nothing at all is written."""

from decimal import Decimal

import pytest

from approvals.models import RoutingRule
from drift.models import AccountDriftSettings, ComplianceRule, DriftRule
from firms.models import AuditEntry
from firms.services.tenancy import firm_scope
from notifications.models import NotificationTemplate
from portfolios import models as pm
from portfolios.importer import book_import
from portfolios.importer.formats import setup_kinds
from tests.portfolios.import_support import with_line
from tests.setup.helpers import sample_files, sample_text, seeded, setup_state, with_book

pytestmark = pytest.mark.django_db


@pytest.fixture
def firm(firm_a):
    return with_book(seeded(firm_a))


def _import(firm, files):
    with firm_scope(firm):
        return book_import(firm=firm, files=files, source="command")


def test_every_set_up_sample_imports_and_is_written(firm):
    result = _import(firm, sample_files(setup_kinds()))
    assert result.ok, result.errors
    assert result.counts == {
        "custodians": 2,
        "substitutes": 4,
        "identical_pairs": 1,
        "drift_rules": 5,
        "account_drift": 2,
        "compliance_rules": 4,
        "suitability_bands": 5,
        "templates": 1,
        "routing_rules": 4,
    }
    with firm_scope(firm):
        schwab = pm.Custodian.objects.get(code="schwab-sim")
        assert (schwab.spread_bps, schwab.supports_fractional) == (Decimal("3"), False)
        assert list(
            pm.Substitute.objects.filter(security__symbol="VTI")
            .order_by("rank")
            .values_list("substitute__symbol", flat=True)
        ) == ["ITOT", "SCHB"]
        pair = pm.SubstantiallyIdenticalPair.objects.get()
        assert {pair.security_a.symbol, pair.security_b.symbol} == {"VOO", "IVV"}
        assert pair.security_a_id < pair.security_b_id
        hnw = DriftRule.objects.get(name="High net worth")
        assert (hnw.segment, hnw.threshold_pp, hnw.dollar_threshold) == (
            "high_net_worth",
            Decimal("4"),
            Decimal("25000"),
        )
        assert DriftRule.objects.get(name="Tax-sensitive").rebalance_to == "band_edge"
        s3001 = AccountDriftSettings.objects.get(account__number="S-3001")
        assert s3001.never_buy == ["VOO", "IVV"] and s3001.gains_budget_mode == "cap"
        assert AccountDriftSettings.objects.get(account__number="S-1002").rule.name == (
            "Firm default"
        )
        concentration = ComplianceRule.objects.get(kind="concentration")
        assert concentration.params["security_types"] == ["stock", "bond", "alternative"]
        assert RoutingRule.objects.get(name="Institutional").window_unit == "business_days"
        assert NotificationTemplate.objects.get(kind="reminder").subject.startswith("Reminder")
        assert AuditEntry.objects.filter(event="drift_rule.imported").exists()


def test_importing_the_samples_twice_changes_nothing_more(firm):
    assert _import(firm, sample_files(setup_kinds())).ok
    with firm_scope(firm):
        before = setup_state()
    assert _import(firm, sample_files(setup_kinds())).ok
    with firm_scope(firm):
        after = setup_state()
    strip = {"updated_at"}  # the rows are saved again
    clean = {
        label: [tuple(kv for kv in row if kv[0] not in strip) for row in rows]
        for label, rows in before.items()
    }
    assert clean == {
        label: [tuple(kv for kv in row if kv[0] not in strip) for row in rows]
        for label, rows in after.items()
    }


# (file, line to replace, the new line, the column named, words of the message)
BAD = [
    ("custodians", 3, "Schwab Sim,Schwab,0,0,3,no", "code", "is not a code"),
    ("custodians", 3, "schwab-sim,Schwab,-1,0,3,no", "fee_per_trade", "must not be negative"),
    ("custodians", 3, "simulated,Again,0,0,3,no", "code", "duplicate of row 2"),
    ("custodians", 3, "schwab-sim,Schwab,0,0,3,maybe", "supports_fractional", "not yes or no"),
    ("substitutes", 2, "VTI,NOPE,1", "substitute", 'unknown symbol "NOPE"'),
    ("substitutes", 2, "VTI,BND,1", "substitute", "a substitute has the asset class"),
    ("substitutes", 2, "VTI,VTI,1", "substitute", "paired with itself"),
    ("substitutes", 2, "VTI,ITOT,0", "rank", "at least 1"),
    ("identical_pairs", 2, "VOO,VOO,x", "symbol_b", "paired with itself"),
    ("identical_pairs", 3, "IVV,VOO,again", "symbol_a, symbol_b", "duplicate of row 2"),
    ("drift_rules", 2, "Firm default,,0,,,,target,100,1,,", "threshold_pp", "greater than 0"),
    ("drift_rules", 2, "Firm default,,5,,,,sideways,100,1,,", "rebalance_to", "not a valid"),
    ("drift_rules", 6, "HNW,growth,4,,,,target,100,1,,", "segment", "duplicate of row 4"),
    ("drift_rules", 6, "High net worth,crypto,4,,,,target,100,1,,", "segment", "not a valid"),
    ("drift_rules", 4, "Growth,growth,7,,,,target,100,1,101,", "band_alternatives", "at most"),
    ("account_drift", 2, "S-9999,,no,,,,warn", "account_number", 'unknown account "S-9999"'),
    ("account_drift", 2, "S-1002,Nobody,no,,,,warn", "rule", 'unknown drift rule "Nobody"'),
    ("account_drift", 2, "S-1002,,no,ZZZ,,,warn", "never_sell", "unknown symbol ZZZ"),
    ("account_drift", 2, "S-1002,,no,,,,always", "gains_budget_mode", "not a valid"),
    ("compliance_rules", 2, "wash_sale,block,yes,365,,,,,", "window_days", "at most 90"),
    ("compliance_rules", 2, "wash_sale,block,yes,7.5,,,,,", "window_days", "whole number"),
    ("compliance_rules", 2, "wash_sale,block,yes,30,10,,,,", "max_pct", "belongs to"),
    (
        "compliance_rules",
        3,
        "concentration,flag,yes,,10,stock crypto,yes,,",
        "security_types",
        "crypto",
    ),
    ("compliance_rules", 2, "wash_sale,stop,yes,30,,,,,", "severity", "not a valid"),
    ("suitability_bands", 2, "conservative,50,40", "equity_max_pct", "runs backwards"),
    ("suitability_bands", 2, "timid,10,40", "risk_profile", "not a valid"),
    ("templates", 2, "reminder,Hi {{Client.Nmae}},x,<p>x</p>", "subject", "Client.Nmae"),
    ("templates", 2, "reminder,Hi,x,<script>x</script>", "body_html", "script"),
    (
        "routing_rules",
        2,
        '"Under $100,000",value,,99999.99,client,0,hours',
        "window_amount",
        "at least 1",
    ),
    (
        "routing_rules",
        2,
        '"Under $100,000",value,,99999.99,client banker,72,hours',
        "steps",
        "unknown step banker",
    ),
    (
        "routing_rules",
        3,
        '"$100,000 – $500,000",value,50000,500000,client,48,hours',
        "min_value",
        "overlaps",
    ),
    (
        "routing_rules",
        5,
        "Institutional,institutional,,,committee,61,business_days",
        "window_amount",
        "from 1 to 60",
    ),
]


@pytest.mark.parametrize(
    "kind, line, new, column, words", BAD, ids=[f"{b[0]}-{b[3]}-{i}" for i, b in enumerate(BAD)]
)
def test_a_bad_row_names_file_row_and_column_and_nothing_is_written(
    firm, kind, line, new, column, words
):
    with firm_scope(firm):
        before = setup_state()
        audits = AuditEntry.objects.count()
    files = sample_files(setup_kinds())
    files[kind] = with_line(sample_text(kind), line, new).encode()
    result = _import(firm, files)
    assert not result.ok
    wanted = [e for e in result.errors if e.file == f"{kind}.csv" and e.row == line]
    assert wanted, result.errors
    assert any(e.column == column and words in e.message for e in wanted), result.errors
    with firm_scope(firm):
        assert setup_state() == before  # not one row of any file
        assert AuditEntry.objects.count() == audits + 1  # the refusal, nothing else
        assert AuditEntry.objects.order_by("-seq").first().event == "book.import_refused"


def test_a_set_up_file_missing_a_required_column_is_refused(firm):
    result = _import(firm, {"drift_rules": b"name,segment\nX,high_net_worth\n"})
    assert [(e.file, e.row, e.column) for e in result.errors] == [
        ("drift_rules.csv", None, "threshold_pp")
    ]


def test_a_custodian_added_in_the_same_upload_may_be_named_by_accounts(firm):
    files = {
        "custodians": b"code,name\nnewco,New Custodian\n",
        "accounts": (
            b"account_number,client_name,client_email,advisor_email,registration,tax_status,"
            b"custodian,segment,risk_profile,model\n"
            b"S-5001,Dee Dee,dee@example.com,,taxable,taxable,newco,growth,growth,Growth 80/20\n"
        ),
    }
    assert _import(firm, files).ok
    with firm_scope(firm):
        assert pm.Account.objects.get(number="S-5001").custodian.code == "newco"


def test_a_rule_of_another_name_cannot_take_a_segment_already_held(firm):
    result = _import(firm, {"drift_rules": b"name,segment,threshold_pp\nSecond growth,growth,6\n"})
    assert [(e.row, e.column) for e in result.errors] == [(2, "segment")]
    assert "already has the rule" in result.errors[0].message


def test_set_up_files_of_one_firm_never_reach_another(firm, firm_b):
    seeded(firm_b)
    with firm_scope(firm_b):
        before = setup_state()
    assert _import(firm, sample_files(setup_kinds())).ok
    with firm_scope(firm_b):
        assert setup_state() == before
