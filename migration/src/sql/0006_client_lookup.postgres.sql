-- Imports look clients up by email address.  As the application's role,
-- under row-level security, the planner may not use the lower(email)
-- index (lower() is not LEAKPROOF, so it cannot run below the policy):
-- each lookup scanned every client.  This function looks them up as the
-- owner, for a valid session only (every employee may read every client
-- anyway), and returns ids the caller then reads through its own policies.
--
-- Placeholders: {{schema}} (quoted identifier), filled by the migration.

CREATE FUNCTION crm_client_ids_by_email(keys text[]) RETURNS SETOF bigint
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = {{schema}}, pg_temp AS $$
BEGIN
    IF NOT crm_session_valid() THEN
        RAISE EXCEPTION 'a valid session is needed' USING ERRCODE = '28000';
    END IF;
    RETURN QUERY SELECT c.id FROM clients c WHERE lower(c.email) = ANY (keys);
END $$;
REVOKE ALL ON FUNCTION crm_client_ids_by_email(text[]) FROM PUBLIC;

-- `db init-roles` grants an app role through crm_grant_app: the version of
-- migration 0005 keeps its grants, and this one adds the new function's.
ALTER FUNCTION crm_grant_app(name) RENAME TO crm_grant_app_0005;
CREATE FUNCTION crm_grant_app(app name) RETURNS void
    LANGUAGE plpgsql VOLATILE SET search_path = {{schema}}, pg_temp AS $$
BEGIN
    PERFORM crm_grant_app_0005(app);
    EXECUTE format('GRANT EXECUTE ON FUNCTION crm_client_ids_by_email(text[]) TO %I', app);
END $$;
REVOKE ALL ON FUNCTION crm_grant_app(name) FROM PUBLIC;
