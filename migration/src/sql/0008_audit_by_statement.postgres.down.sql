DROP TRIGGER clients_audit_created ON clients;
DROP TRIGGER contracts_audit_created ON contracts;
DROP TRIGGER events_audit_created ON events;
DROP TRIGGER clients_audit ON clients;
DROP TRIGGER contracts_audit ON contracts;
DROP TRIGGER events_audit ON events;
CREATE TRIGGER clients_audit AFTER INSERT OR UPDATE OR DELETE ON clients
    FOR EACH ROW EXECUTE FUNCTION crm_audit_row('client');
CREATE TRIGGER contracts_audit AFTER INSERT OR UPDATE OR DELETE ON contracts
    FOR EACH ROW EXECUTE FUNCTION crm_audit_row('contract');
CREATE TRIGGER events_audit AFTER INSERT OR UPDATE OR DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION crm_audit_row('event');
DROP FUNCTION crm_audit_created();

-- The audit document as migration 0005 wrote it.
CREATE OR REPLACE FUNCTION crm_audit_doc(kind text, r jsonb) RETURNS jsonb
    LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN CASE kind
        WHEN 'employee' THEN jsonb_build_object(
            'id', r->'id', 'first_name', r->'first_name', 'last_name', r->'last_name', 'email', r->'email',
            'phone', r->'phone',
            'department', (SELECT to_jsonb(d.code::text) FROM departments d WHERE d.id = (r->>'department_id')::integer),
            'active', r->'active', 'must_change_password', r->'must_change_password',
            'created_at', crm_rfc3339(r->'created_at'))
        WHEN 'client' THEN jsonb_build_object(
            'id', r->'id', 'first_name', r->'first_name', 'last_name', r->'last_name', 'email', r->'email',
            'phone', r->'phone', 'company_name', r->'company_name', 'sales_contact_id', r->'sales_contact_id',
            'created_at', crm_rfc3339(r->'created_at'), 'last_contact_at', crm_rfc3339(r->'last_contact_at'))
        WHEN 'contract' THEN jsonb_build_object(
            'id', r->'id', 'client_id', r->'client_id', 'sales_contact_id', r->'sales_contact_id',
            'total_amount', crm_money(r->'total_cents'), 'amount_due', crm_money(r->'due_cents'),
            'signed', r->'signed', 'signed_at', crm_rfc3339(r->'signed_at'), 'signed_by_id', r->'signed_by_id',
            'created_at', crm_rfc3339(r->'created_at'))
        WHEN 'event' THEN jsonb_build_object(
            'id', r->'id', 'name', r->'name', 'contract_id', r->'contract_id',
            'support_contact_id', r->'support_contact_id', 'start_at', crm_rfc3339(r->'start_at'),
            'end_at', crm_rfc3339(r->'end_at'), 'location', r->'location', 'attendees', r->'attendees',
            'notes', r->'notes', 'created_at', crm_rfc3339(r->'created_at'))
    END;
END $$;
DROP FUNCTION crm_department_code(integer);
