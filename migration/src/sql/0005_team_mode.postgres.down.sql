-- Undoes team mode: policies, triggers, functions and the authority's
-- tables go; credentials return to PHC strings, which the verifiers kept
-- here cannot become again (everyone then needs a one-time password).
DO $$
DECLARE
    p record;
BEGIN
    FOR p IN SELECT policyname, tablename FROM pg_policies WHERE schemaname = current_schema() LOOP
        EXECUTE format('DROP POLICY %I ON %I', p.policyname, p.tablename);
    END LOOP;
    FOR p IN SELECT c.relname FROM pg_class c
             WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p') LOOP
        EXECUTE format('ALTER TABLE %I NO FORCE ROW LEVEL SECURITY', p.relname);
        EXECUTE format('ALTER TABLE %I DISABLE ROW LEVEL SECURITY', p.relname);
    END LOOP;
END $$;
DROP TRIGGER events_audit ON events;
DROP TRIGGER contracts_audit ON contracts;
DROP TRIGGER clients_audit ON clients;
DROP TRIGGER employees_audit ON employees;
DROP TRIGGER employees_end_sessions ON employees;
DROP TRIGGER employees_guard ON employees;
DROP TRIGGER events_guard ON events;
DROP TRIGGER contracts_guard ON contracts;
DROP TRIGGER clients_guard ON clients;
ALTER FUNCTION crm_contract_totals() SECURITY INVOKER RESET search_path;
ALTER FUNCTION crm_event_days() SECURITY INVOKER RESET search_path;
DROP FUNCTION crm_grant_app(name);
DROP FUNCTION crm_audit_row();
DROP FUNCTION crm_audit_diff(jsonb, jsonb);
DROP FUNCTION crm_audit_doc(text, jsonb);
DROP FUNCTION crm_money(jsonb);
DROP FUNCTION crm_rfc3339(jsonb);
DROP FUNCTION crm_end_sessions_of_deactivated();
DROP FUNCTION crm_guard_employee();
DROP FUNCTION crm_guard_event();
DROP FUNCTION crm_guard_contract();
DROP FUNCTION crm_guard_client();
DROP FUNCTION crm_require_owner();
DROP FUNCTION crm_owner_session();
DROP FUNCTION crm_may_delete_employee(crm_actor, bigint);
DROP FUNCTION crm_may_create_event(bigint, bigint);
DROP FUNCTION crm_manages_or_supports(crm_actor, bigint);
DROP FUNCTION crm_manages_or_sells(crm_actor, bigint);
DROP FUNCTION crm_is(crm_actor, integer, bigint);
DROP FUNCTION crm_in(crm_actor, integer);
DROP FUNCTION crm_unlock(bigint);
DROP FUNCTION crm_reset_password(bigint, bytea, integer, integer, integer, bytea);
DROP FUNCTION crm_create_employee(text, text, text, text, integer, bytea, integer, integer, integer, bytea);
DROP FUNCTION crm_require_management();
DROP FUNCTION crm_bootstrap(text, text, text, text, bytea, integer, integer, integer, bytea);
DROP FUNCTION crm_has_employees();
DROP FUNCTION crm_change_password(bigint, bytea, bytea, integer, integer, integer, bytea);
DROP FUNCTION crm_logout(text);
DROP FUNCTION crm_verify(text);
DROP FUNCTION crm_refresh(text, integer);
DROP FUNCTION crm_login(bigint, bytea, integer);
DROP FUNCTION crm_take_challenge(bigint);
DROP FUNCTION crm_login_begin(text);
DROP FUNCTION crm_issue(bigint, text, bigint, integer);
DROP FUNCTION crm_employee_name(bigint);
DROP FUNCTION crm_audit_write(bigint, text, text, text, bigint, jsonb);
DROP FUNCTION crm_session_employee();
DROP FUNCTION crm_session_in(integer);
DROP FUNCTION crm_session_valid();
DROP FUNCTION crm_session();
DROP FUNCTION crm_token_actor(boolean);
DROP FUNCTION crm_family_live(text, bigint);
DROP FUNCTION crm_claims(text, text);
DROP FUNCTION crm_mint(text, bigint, text, bigint, integer);
DROP FUNCTION crm_lock_ms(integer);
DROP FUNCTION crm_email_key(text);
DROP FUNCTION crm_digest(text);
DROP FUNCTION crm_b64url_decode(text);
DROP FUNCTION crm_b64url(bytea);
DROP FUNCTION crm_clock_ms();
DROP TYPE crm_actor;
DROP TABLE login_challenges;
DROP TABLE auth_settings;
DELETE FROM credentials;
ALTER TABLE credentials
    DROP COLUMN salt, DROP COLUMN m_cost, DROP COLUMN t_cost, DROP COLUMN p_cost, DROP COLUMN verifier,
    ADD COLUMN password_hash text NOT NULL CHECK (length(password_hash) BETWEEN 1 AND 512);
