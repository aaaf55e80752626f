-- Back to migration 0007's import, which names its columns.

CREATE OR REPLACE FUNCTION crm_import_clients(sales_contact bigint, new_clients jsonb, at bigint)
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
