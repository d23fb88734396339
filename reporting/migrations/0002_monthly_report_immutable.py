"""Reports are records (Rule 204-2): the database refuses UPDATE and DELETE of a report row,
so content, files and hashes stay as written; a regeneration is a new version."""
from django.db import migrations

SQL = """
CREATE OR REPLACE FUNCTION reporting_refuse_change() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'monthly reports are immutable: % refused (regenerate to make a new version)', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END $$ LANGUAGE plpgsql;
CREATE TRIGGER monthly_report_immutable BEFORE UPDATE OR DELETE ON reporting_monthlyreport
  FOR EACH ROW EXECUTE FUNCTION reporting_refuse_change();
-- TRUNCATE passes only for the test runner's flush (the owner sets the same switch as for
-- the audit log, firms/management/commands/flush.py).
CREATE OR REPLACE FUNCTION reporting_refuse_truncate() RETURNS trigger AS $$
BEGIN
  IF current_setting('rebalance.audit_truncate', true) = 'allow' THEN RETURN NULL; END IF;
  RAISE EXCEPTION 'monthly reports are immutable: TRUNCATE refused' USING ERRCODE = 'insufficient_privilege';
END $$ LANGUAGE plpgsql;
CREATE TRIGGER monthly_report_no_truncate BEFORE TRUNCATE ON reporting_monthlyreport
  FOR EACH STATEMENT EXECUTE FUNCTION reporting_refuse_truncate();
"""
REVERSE = """
DROP TRIGGER IF EXISTS monthly_report_immutable ON reporting_monthlyreport;
DROP TRIGGER IF EXISTS monthly_report_no_truncate ON reporting_monthlyreport;
DROP FUNCTION IF EXISTS reporting_refuse_change();
DROP FUNCTION IF EXISTS reporting_refuse_truncate();
"""


class Migration(migrations.Migration):
    dependencies = [("reporting", "0001_initial")]
    operations = [migrations.RunSQL(SQL, REVERSE)]
