"""The merge-field language: every field renders, nothing else gets through."""

from decimal import Decimal

import pytest

from notifications.templating.context import Facts, merge_context
from notifications.templating.fields import FIELDS
from notifications.templating.merge import MergeSyntaxError, html_check, merge_parse, merge_render
from notifications.templating.samples import sample_facts
from notifications.templating.values import Table


def ctx(**kw):
    return merge_context(sample_facts("taxable", firm_name="Alpha Advisors"))


def rejected(text) -> MergeSyntaxError:
    with pytest.raises(MergeSyntaxError) as info:
        merge_parse(text)
    return info.value


def test_every_documented_field_renders_in_html_and_text():
    context = ctx()
    assert set(context) == set(FIELDS)
    for name in FIELDS:
        html = merge_render(f"<p>{{{{{name}}}}}</p>", context, html=True)
        text = merge_render(f"{{{{{name}}}}}", context, html=False)
        assert "{{" not in html and "{{" not in text, name
        if name not in ("Decision.Outcome",):
            assert text.strip(), f"{name} rendered nothing"


def test_values_of_the_sample_read_as_a_client_expects():
    context = ctx()
    render = lambda f: merge_render("{{" + f + "}}", context, html=False)  # noqa: E731
    assert render("Client.Name") == "Pat Taxable"
    assert render("Account.Number") == "••••2345"
    assert "12345" not in render("Account.Number") + merge_render(
        "{{Account.Number}}", context, html=True
    )
    assert render("Firm.Name") == "Alpha Advisors"
    assert render("Advisor.Name") == "Sam Advisor"
    assert render("Approval.Deadline") == "Friday, December 4, 2026 at 4:00 PM EST"
    costs = render("Rebalance.EstimatedCosts")
    assert "$24.30" in costs and "$6,842.17" in costs and "$6,866.47" in costs


def test_tables_are_email_safe_html_with_inline_styles():
    html = merge_render("{{Rebalance.TradeList}}", ctx(), html=True)
    assert (
        html.startswith("<table") and 'style="' in html and "VTI" in html and "$121,485.00" in html
    )
    for forbidden in ("<script", "<svg", "class=", "<style"):
        assert forbidden not in html


def test_tables_in_the_text_part_line_up():
    text = merge_render("{{Rebalance.TradeList}}", ctx(), html=False).strip("\n")
    lines = text.splitlines()
    assert lines[0].startswith("Action") and set(lines[1]) <= {"-", " "}
    # right-aligned money column: every row ends at the same column
    assert len({len(line) for line in lines}) == 1


def test_an_unknown_field_is_rejected_with_its_name_and_position():
    error = rejected("Dear {{Client.Name}},\n  see {{Client.Nmae}} here")
    (e,) = error.errors
    assert (e.line, e.column) == (2, 7)
    assert "{{Client.Nmae}}" in str(e) and "did you mean {{Client.Name}}" in str(e)


@pytest.mark.parametrize(
    "text, words",
    [
        ("{% load static %}", "tags"),
        ("{# secret #}", "tags"),
        ("{{ Client.Name|upper }}", "Filters"),
        ("{{Client.name.__class__}}", "attribute chains"),
        ("{{settings.SECRET_KEY}}", "Unknown field"),
        ("{{Client.Email}}", "Unknown field"),
        ("{{Client.Name", "never closed"),
        ("{{ request.META }}", "Unknown field"),
    ],
)
def test_anything_but_a_documented_field_is_rejected(text, words):
    assert words in str(rejected(text))


def test_every_problem_is_reported_at_once():
    error = rejected("{{A.B}} and {% if %}\n{{C.D}}")
    assert [(e.line, e.column) for e in error.errors] == [(1, 1), (1, 13), (2, 1)]


def test_values_are_escaped_in_html_but_not_in_text():
    facts = Facts(firm_name="A & B <Advisors>", client_name='<script>alert("x")</script>')
    context = merge_context(facts)
    html = merge_render("{{Client.Name}} / {{Firm.Name}}", context, html=True)
    assert (
        "<script>" not in html and "&lt;script&gt;" in html and "A &amp; B &lt;Advisors&gt;" in html
    )
    assert merge_render("{{Client.Name}}", context, html=False) == '<script>alert("x")</script>'


def test_table_cells_are_escaped():
    table = Table(("Name",), (("<b>x</b>",),), (False,))
    assert "&lt;b&gt;" in merge_render(
        "{{Rebalance.TradeList}}", {"Rebalance.TradeList": table}, html=True
    )


def test_a_model_object_in_the_context_is_refused():
    class Client:  # anything that is not str, Table or Link
        name = "x"
        secret = "y"

    with pytest.raises(TypeError):
        merge_render("{{Client.Name}}", {"Client.Name": Client()}, html=True)


def test_a_field_missing_from_the_context_renders_empty():
    assert merge_render("[{{Approval.Deadline}}]", {}, html=False) == "[]"


@pytest.mark.parametrize(
    "html",
    [
        "<script>x</script>",
        '<img src=x onerror="alert(1)">',
        "<svg></svg>",
        '<a href="javascript:alert(1)">x</a>',
        '<iframe src="x"></iframe>',
    ],
)
def test_markup_with_no_place_in_an_email_is_rejected(html):
    with pytest.raises(MergeSyntaxError, match="Not allowed in an email"):
        html_check(f"<p>ok</p>\n{html}")


def test_money_stays_decimal_to_the_cent():
    from core.formatting import money

    assert money(Decimal("1234.565")) == "$1,234.57" and money(Decimal("-5")) == "-$5.00"


@pytest.mark.parametrize(
    "html",
    [
        "<img/src/onerror=alert(1)>",
        '<a href="&#106;avascript:alert(1)">x</a>',
        '<a href="jav&#x09;ascript:alert(1)">x</a>',
        '<a href=" JaVaScRiPt:alert(1)">x</a>',
        '<p style="x" onmouseover="alert(1)">x</p>',
        '<math><mi xlink:href="javascript:1">x</mi></math>',
        '<a href="data:text/html,<script>alert(1)</script>">x</a>',
        "<!-- <script> -->",
    ],
)
def test_the_allowlist_refuses_what_the_old_denylist_let_through(html):
    """The old denylist missed these; the nh3 allowlist names each."""
    with pytest.raises(MergeSyntaxError, match="Not allowed in an email"):
        html_check(f"<p>ok</p>\n{html}")


def test_the_shipped_templates_pass_the_allowlist():
    from notifications.templating.defaults import DEFAULTS

    for template in DEFAULTS.values():
        html_check(template.body_html)


def test_a_stored_template_that_predates_the_check_is_sanitised_when_rendered():
    from types import SimpleNamespace

    from notifications.templating.rendering import email_render

    template = SimpleNamespace(
        subject="Hi",
        body_text="t",
        body_html=(
            '<p>Hi</p><img/src/onerror=alert(1)><a href="&#106;avascript:alert(1)">x</a>'
            "<script>alert(2)</script>"
            '<p style="color:red;position:fixed">{{Client.Name}}</p>'
        ),
    )
    html = email_render(
        template, {"Client.Name": "<b>Ann</b>"}, firm_name="F", brand_color="#123456"
    ).html
    assert "onerror" not in html and "javascript" not in html.lower() and "alert(2)" not in html
    assert "&lt;b&gt;Ann&lt;/b&gt;" in html and "color:red" in html and "position" not in html
