"""The firm's email templates as a set-up file of the book import
(portfolios.importer.registry): templates.csv, one row per kind of email (kind, subject,
body_text, body_html), each checked as the template editor checks it (merge fields, the HTML
allowlist); a problem names the row, the column and its line and column inside the text."""

from datetime import date

import pandas as pd

from firms.services.audit import audit_record
from portfolios.importer.references import References
from portfolios.importer.registry import ImportKind, register_kind
from portfolios.importer.sheet import Sheet
from portfolios.importer.validate import length

from .choices import Kind
from .models import NotificationTemplate
from .templating.merge import MergeSyntaxError, html_check, merge_parse

TEXT_MAX = 100_000


def check_templates(sheet: Sheet, refs: References, today: date) -> None:
    sheet.choice("kind", Kind)
    sheet.text("subject", max_length=length(NotificationTemplate, "subject"))
    sheet.text("body_text", max_length=TEXT_MAX)
    sheet.text("body_html", max_length=TEXT_MAX)
    sheet.unique(["kind"], "kind")
    for column, checks in (
        ("subject", (merge_parse,)),
        ("body_text", (merge_parse,)),
        ("body_html", (merge_parse, html_check)),
    ):
        values = sheet.values.get(column)
        if values is None:
            continue
        problems = pd.Series([_problems(v, checks) for v in values], index=values.index)
        sheet.report_each(column, problems[problems != ""])


def _problems(text: str, checks) -> str:
    for check in checks:
        try:
            check(text)
        except MergeSyntaxError as exc:
            return str(exc)
    return ""


def write_templates(firm_id: int, frame: pd.DataFrame) -> int:
    stored = {t.kind: t for t in NotificationTemplate.objects.filter(kind__in=list(frame["kind"]))}
    for row in frame.to_dict("records"):
        template = stored.get(row["kind"]) or NotificationTemplate(
            firm_id=firm_id, kind=row["kind"]
        )
        template.subject, template.body_text = row["subject"], row["body_text"]
        template.body_html = row["body_html"]
        template.save()
    audit_record(
        firm_id=firm_id,
        event="notification.templates_imported",
        payload={"kinds": frame["kind"].tolist()},
    )
    return len(frame)


def register() -> None:
    register_kind(
        ImportKind(
            name="templates",
            order=130,
            required=("kind", "subject", "body_text", "body_html"),
            optional=(),
            check=check_templates,
            write=write_templates,
        )
    )
