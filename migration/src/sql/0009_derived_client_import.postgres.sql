-- MANAGEMENT's import of clients for a salesperson (migration 0007), now
-- taking every column the rows give that the table has: a client field
-- added by a later migration is imported without re-creating this
-- function (docs/adding-a-field.md).  What the database decides — the id,
-- the owner, the times and the version — is never taken from the rows.
--
-- Placeholders: {{schema}} (quoted identifier), filled by the migration.

CREATE OR REPLACE FUNCTION crm_import_clients(sales_contact bigint, new_clients jsonb, at bigint)
    RETURNS TABLE (client_id bigint, email_key text)
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = {{schema}}, pg_temp AS $$
DECLARE
    actor crm_actor := crm_session();
    targets text;
    sources text;
BEGIN
    IF NOT crm_in(actor, 1) THEN
        RAISE EXCEPTION 'only MANAGEMENT imports clients for a salesperson' USING ERRCODE = '42501';
    END IF;
    PERFORM 1 FROM employees e WHERE e.id = sales_contact AND e.active AND e.department_id = 2 FOR SHARE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'a client''s sales contact must be an active SALES employee' USING ERRCODE = '23514';
    END IF;
    IF jsonb_typeof(new_clients) IS DISTINCT FROM 'array' OR jsonb_array_length(new_clients) = 0 THEN
        RETURN;
    END IF;
    -- new_clients: [{"first_name": …, "email": …, …}, …], every object
    -- with the same keys, inserted in their order.
    SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum),
           string_agg('r.' || quote_ident(a.attname), ', ' ORDER BY a.attnum)
        INTO targets, sources
        FROM pg_attribute a
        WHERE a.attrelid = 'clients'::regclass AND a.attnum > 0 AND NOT a.attisdropped
          AND a.attname NOT IN ('id', 'sales_contact_id', 'created_at', 'updated_at', 'last_contact_at', 'version')
          AND (new_clients -> 0) ? a.attname;
    IF targets IS NULL THEN
        RAISE EXCEPTION 'the new clients have no field the clients table has' USING ERRCODE = '22023';
    END IF;
    RETURN QUERY EXECUTE format(
        'WITH created AS (
             INSERT INTO clients AS c (%s, sales_contact_id, created_at, updated_at, last_contact_at, version)
             SELECT %s, $1, $3, $3, $3, 1
             FROM jsonb_populate_recordset(NULL::clients, $2) WITH ORDINALITY AS r
             ORDER BY r.ordinality
             RETURNING c.id, lower(c.email) AS folded)
         SELECT created.id, created.folded FROM created', targets, sources)
        USING sales_contact, new_clients, at;
END $$;
REVOKE ALL ON FUNCTION crm_import_clients(bigint, jsonb, bigint) FROM PUBLIC;
