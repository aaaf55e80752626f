-- MANAGEMENT imports a spreadsheet of clients for a salesperson
-- (`clients import --sales`).  Creating a client stays SALES's own action
-- (the insert policy lets a salesperson create only their own clients), so
-- a manager's import goes through this owner-run function instead: it
-- checks the session is MANAGEMENT's and the new clients' sales contact an
-- active SALES employee (held FOR SHARE, so they cannot be deactivated
-- before the import commits), then inserts the rows.  The audit trigger
-- records each new client with the manager as its actor.
--
-- Placeholders: {{schema}} (quoted identifier), filled by the migration.

CREATE FUNCTION crm_import_clients(sales_contact bigint, new_clients jsonb, at bigint)
    RETURNS TABLE (client_id bigint, email_key text)
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = {{schema}}, pg_temp AS $$
DECLARE
    actor crm_actor := crm_session();
BEGIN
    IF NOT crm_in(actor, 1) THEN
        RAISE EXCEPTION 'only MANAGEMENT imports clients for a salesperson' USING ERRCODE = '42501';
    END IF;
    PERFORM 1 FROM employees e WHERE e.id = sales_contact AND e.active AND e.department_id = 2 FOR SHARE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'a client''s sales contact must be an active SALES employee' USING ERRCODE = '23514';
    END IF;
    -- new_clients: [{"first_name": …, "last_name": …, "email": …, "phone": …,
    -- "company_name": …}, …], inserted in their order.
    RETURN QUERY
        WITH created AS (
            INSERT INTO clients AS c (first_name, last_name, email, phone, company_name, sales_contact_id,
                                      created_at, updated_at, last_contact_at, version)
            SELECT r.doc->>'first_name', r.doc->>'last_name', r.doc->>'email', r.doc->>'phone',
                   r.doc->>'company_name', sales_contact, at, at, at, 1
            FROM jsonb_array_elements(new_clients) WITH ORDINALITY AS r(doc, n)
            ORDER BY r.n
            RETURNING c.id, lower(c.email) AS folded
        )
        SELECT created.id, created.folded FROM created;
END $$;
REVOKE ALL ON FUNCTION crm_import_clients(bigint, jsonb, bigint) FROM PUBLIC;

-- `db init-roles` grants an app role through crm_grant_app: the version of
-- migration 0006 keeps its grants, and this one adds the new function's.
ALTER FUNCTION crm_grant_app(name) RENAME TO crm_grant_app_0006;
CREATE FUNCTION crm_grant_app(app name) RETURNS void
    LANGUAGE plpgsql VOLATILE SET search_path = {{schema}}, pg_temp AS $$
BEGIN
    PERFORM crm_grant_app_0006(app);
    EXECUTE format('GRANT EXECUTE ON FUNCTION crm_import_clients(bigint, jsonb, bigint) TO %I', app);
END $$;
REVOKE ALL ON FUNCTION crm_grant_app(name) FROM PUBLIC;
