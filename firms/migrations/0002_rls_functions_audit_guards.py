"""Helper functions for row-level security policies, and the audit log's database guards.

The policies themselves are (re)applied after every migrate by firms.services.db_security, from the
list of FirmOwned models, so a new firm-owned table can never be left without one."""
from django.db import migrations

FUNCTIONS = """
CREATE OR REPLACE FUNCTION app_current_firm() RETURNS bigint
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT NULLIF(current_setting('app.firm_id', true), '')::bigint $$;
CREATE OR REPLACE FUNCTION app_current_user() RETURNS bigint
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT NULLIF(current_setting('app.user_id', true), '')::bigint $$;
"""

AUDIT_GUARDS = """
CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit log is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE OR REPLACE FUNCTION audit_refuse_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Only the owner's test-reset (firms flush command) sets this; the app role has no
    -- TRUNCATE privilege on the table at all.
    IF current_setting('rebalance.audit_truncate', true) = 'allow' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'audit log is append-only: TRUNCATE refused' USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER audit_no_update_delete BEFORE UPDATE OR DELETE ON firms_auditentry
    FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON firms_auditentry
    FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_truncate();
"""


class Migration(migrations.Migration):
    dependencies = [("firms", "0001_initial")]

    operations = [
        migrations.RunSQL(FUNCTIONS, "DROP FUNCTION app_current_firm(); DROP FUNCTION app_current_user();"),
        migrations.RunSQL(
            AUDIT_GUARDS,
            "DROP TRIGGER audit_no_update_delete ON firms_auditentry; DROP TRIGGER audit_no_truncate ON firms_auditentry;",
        ),
    ]
