"""The signed PDF a client keeps: it names the firm and the adviser, prints the full disclosure
text the client consented to and the approval chain (who approved each step, when, in the firm's
time zone), and its tables fit the page (every trade's figures are on the page as text)."""

import subprocess

import pytest

from approvals.calc.consent import DISCLOSURES
from firms.services.tenancy import firm_scope

pytestmark = pytest.mark.django_db


def _text(signature, tmp_path, *layout) -> str:
    path = tmp_path / "signed.pdf"
    with signature.pdf.open("rb") as fh:
        path.write_bytes(fh.read())
    return subprocess.run(
        ["pdftotext", *layout, str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def test_the_pdf_names_the_firm_the_adviser_the_disclosures_and_the_chain(
    lived, members_a, tmp_path
):
    text = _text(lived["signature"], tmp_path)
    flat = " ".join(text.split())
    adviser = members_a["advisor"]
    assert "Alpha Advisors" in flat
    assert adviser.display_name in flat and adviser.user.email in flat
    for title, body in DISCLOSURES:  # the full text, not only its version and hash
        assert title in flat and " ".join(body.split()) in flat, title
    assert "Approval chain" in flat
    assert "Advisor pre-approval" in flat and "Client consent" in flat
    # The advisor approved at 17:30 New York on Nov 24 (the firm's zone), the client at 18:00.
    assert "Nov 24, 2026 5:30 PM EST" in flat and "Nov 24, 2026 6:00 PM EST" in flat
    assert "“Fits the plan.”" in flat


def test_the_pdf_shows_times_in_the_firms_time_zone(lived, firm_a, tmp_path):
    from approvals.services.signed_pdf import signature_pdf_bytes

    with firm_scope(firm_a):
        type(firm_a).objects.filter(pk=firm_a.pk).update(time_zone="America/Chicago")
        signature = type(lived["signature"]).objects.get(pk=lived["signature"].pk)
        (tmp_path / "c.pdf").write_bytes(signature_pdf_bytes(signature))
    text = subprocess.run(
        ["pdftotext", str(tmp_path / "c.pdf"), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "4:30 PM CST" in " ".join(text.split())


def test_the_pdfs_tables_fit_the_page(lived, firm_a, tmp_path):
    """A long security name wraps inside its cell: every trade's value still prints, within
    the page's width (pdftotext -layout keeps the columns on one line per row)."""
    from approvals.services.signed_pdf import signature_pdf_bytes
    from portfolios.models import Security

    with firm_scope(firm_a):
        Security.objects.filter(symbol="VTI").update(
            name="Vanguard Total Stock Market Index Fund ETF Shares, an extremely long name " * 2
        )
        signature = type(lived["signature"]).objects.get(pk=lived["signature"].pk)
        pdf = signature_pdf_bytes(signature)
        trades = list(lived["proposal"].trades.all())
    (tmp_path / "long.pdf").write_bytes(pdf)
    box = subprocess.run(
        ["pdftotext", "-bbox", str(tmp_path / "long.pdf"), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    import re

    page_w = float(re.search(r'<page width="([\d.]+)"', box).group(1))
    right = max(float(x) for x in re.findall(r'xMax="([\d.]+)"', box))
    assert right <= page_w - 30, (right, page_w)  # inside the right margin
    flat = " ".join(
        subprocess.run(
            ["pdftotext", str(tmp_path / "long.pdf"), "-"], capture_output=True, text=True
        ).stdout.split()
    )
    for t in trades:
        assert f"${t.value:,.2f}" in flat
