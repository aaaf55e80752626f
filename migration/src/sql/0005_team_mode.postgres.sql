-- PostgreSQL team mode (SECURITY.md, docs/decisions/0007): the database
-- itself decides who may do what.  Logins, tokens and the signing key live
-- here; every table has row-level security (enabled and forced); audit
-- entries are written by triggers; checked functions and triggers enforce
-- what policies cannot express.
--
-- Placeholders filled in by the migration before it runs:
--   {{schema}}    the schema the CRM lives in (quoted identifier)
--   {{owner}}     the role running the migration, owner of every object
--   {{pgcrypto}}  the schema pgcrypto is installed in (quoted identifier)
-- Every SECURITY DEFINER function pins its search_path to {{schema}} and
-- calls pgcrypto schema-qualified.

-- ---------------------------------------------------------------------
-- Credentials: argon2id runs on the client with the salt and costs kept
-- here; the database keeps only SHA-256 of the derived key.  Existing PHC
-- strings convert without anyone changing a password: their salt and
-- costs move into columns and their hash (the derived key) is digested.
-- ---------------------------------------------------------------------
ALTER TABLE credentials
    ADD COLUMN salt bytea,
    ADD COLUMN m_cost integer,
    ADD COLUMN t_cost integer,
    ADD COLUMN p_cost integer,
    ADD COLUMN verifier bytea;

UPDATE credentials SET
    salt = decode(rpad(split_part(password_hash, '$', 5),
                       ((length(split_part(password_hash, '$', 5)) + 3) / 4) * 4, '='), 'base64'),
    m_cost = substring(split_part(password_hash, '$', 4) FROM 'm=([0-9]+)')::integer,
    t_cost = substring(split_part(password_hash, '$', 4) FROM 't=([0-9]+)')::integer,
    p_cost = substring(split_part(password_hash, '$', 4) FROM 'p=([0-9]+)')::integer,
    verifier = sha256(decode(rpad(split_part(password_hash, '$', 6),
                                  ((length(split_part(password_hash, '$', 6)) + 3) / 4) * 4, '='), 'base64'))
WHERE password_hash LIKE '$argon2id$v=19$%';

-- A verifier that cannot be converted could never be checked: the
-- employee gets a one-time password from a manager.
DELETE FROM credentials WHERE verifier IS NULL OR length(verifier) <> 32;

ALTER TABLE credentials
    DROP COLUMN password_hash,
    ALTER COLUMN salt SET NOT NULL,
    ALTER COLUMN m_cost SET NOT NULL,
    ALTER COLUMN t_cost SET NOT NULL,
    ALTER COLUMN p_cost SET NOT NULL,
    ALTER COLUMN verifier SET NOT NULL,
    ADD CHECK (length(salt) BETWEEN 8 AND 64),
    ADD CHECK (m_cost BETWEEN 8 AND 4194304),
    ADD CHECK (t_cost BETWEEN 1 AND 100),
    ADD CHECK (p_cost BETWEEN 1 AND 16),
    ADD CHECK (length(verifier) = 32);

-- The authority's secrets and limits: one row, readable by the owner only.
CREATE TABLE auth_settings (
    singleton          boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    -- HS256 key of every token; never leaves the database.
    signing_key        bytea NOT NULL CHECK (length(signing_key) >= 32),
    -- Derives a stable fake salt for addresses nobody has.
    fake_salt_key      bytea NOT NULL CHECK (length(fake_salt_key) >= 32),
    max_access_seconds integer NOT NULL DEFAULT 900 CHECK (max_access_seconds BETWEEN 1 AND 900),
    refresh_seconds    integer NOT NULL DEFAULT 604800 CHECK (refresh_seconds BETWEEN 60 AND 7776000),
    leeway_seconds     integer NOT NULL DEFAULT 10 CHECK (leeway_seconds BETWEEN 0 AND 30),
    retry_grace_ms     integer NOT NULL DEFAULT 10000 CHECK (retry_grace_ms BETWEEN 0 AND 60000),
    -- The costs given for unknown addresses: those of a real account.
    fake_m_cost        integer NOT NULL DEFAULT 19456,
    fake_t_cost        integer NOT NULL DEFAULT 2,
    fake_p_cost        integer NOT NULL DEFAULT 1
);
INSERT INTO auth_settings (signing_key, fake_salt_key)
VALUES ({{pgcrypto}}.gen_random_bytes(32), {{pgcrypto}}.gen_random_bytes(32));

-- One login (or password change) attempt between its two calls.  The
-- failure is counted when the attempt begins, in a transaction of its own
-- that has committed before the key is checked: a raw client that rolled
-- back a failed check would otherwise guess without limit.
CREATE TABLE login_challenges (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email_key   text COLLATE "C" NOT NULL CHECK (length(email_key) = 64),
    employee_id bigint REFERENCES employees (id) ON DELETE CASCADE,
    -- The address's failures once this attempt was counted.
    failures    integer NOT NULL,
    created_at  bigint NOT NULL,
    -- The transaction that began the attempt: the check must come later.
    began_in    xid8 NOT NULL,
    used_at     bigint
);
CREATE INDEX login_challenges_created_idx ON login_challenges (created_at);

-- The employee a statement acts for, as the policies see it.
CREATE TYPE crm_actor AS (employee_id bigint, department_id integer);

-- ---------------------------------------------------------------------
-- Helpers (owner only).  The pure ones (pg_catalog only, not SECURITY
-- DEFINER) set no search_path, so the planner can inline them; inside a
-- checked function they run under its pinned search_path anyway.
-- ---------------------------------------------------------------------
CREATE FUNCTION crm_clock_ms() RETURNS bigint
    LANGUAGE sql VOLATILE
    RETURN (extract(epoch FROM clock_timestamp()) * 1000)::bigint;

CREATE FUNCTION crm_b64url(data bytea) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT
    RETURN translate(encode(data, 'base64'), E'+/=\n', '-_');

CREATE FUNCTION crm_b64url_decode(data text) RETURNS bytea
    LANGUAGE sql IMMUTABLE STRICT
    RETURN decode(rpad(translate(data, '-_', '+/'), ((length(data) + 3) / 4) * 4, '='), 'base64');

-- SHA-256 (hex) of a token or of a lower-cased address.
CREATE FUNCTION crm_digest(data text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT
    RETURN encode(sha256(convert_to(data, 'UTF8')), 'hex');

-- Folded as the unique index on lower(email) folds ("C": ASCII letters).
CREATE FUNCTION crm_email_key(email text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT
    RETURN crm_digest(lower(btrim(email) COLLATE "C"));

-- Lockout (auth::lockout): after 4 free failures, 1 minute doubling up to 15.
CREATE FUNCTION crm_lock_ms(failures integer) RETURNS bigint
    LANGUAGE sql IMMUTABLE STRICT
    RETURN CASE WHEN failures <= 4 THEN NULL
                ELSE least(60000::bigint << least(failures - 5, 10), 900000) END;

CREATE FUNCTION crm_mint(audience text, employee bigint, family text, issued bigint, lifetime integer) RETURNS text
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = {{schema}}, pg_temp AS $$
DECLARE
    head text := crm_b64url(convert_to('{"alg":"HS256","typ":"JWT"}', 'UTF8'));
    body text;
    secret bytea;
BEGIN
    SELECT signing_key INTO STRICT secret FROM auth_settings;
    body := crm_b64url(convert_to(json_build_object(
        'iss', 'epic-crm', 'sub', employee::text, 'aud', audience, 'exp', issued + lifetime, 'iat', issued,
        'fam', family, 'jti', encode({{pgcrypto}}.gen_random_bytes(16), 'hex'))::text, 'UTF8'));
    RETURN head || '.' || body || '.'
        || crm_b64url({{pgcrypto}}.hmac(convert_to(head || '.' || body, 'UTF8'), secret, 'sha256'));
END $$;

-- The claims of a token of `audience` whose signature, issuer, audience,
-- subject, expiry and issue time all hold (with the configured leeway);
-- NULL for anything else.  No exception is raised on garbage: the parts
-- are checked to be base64url first, and only a token this database signed
-- is decoded.
CREATE FUNCTION crm_claims(token text, audience text) RETURNS jsonb
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = {{schema}}, pg_temp AS $$
DECLARE
    parts text[];
    settings auth_settings;
    claims jsonb;
    now_s numeric := floor(extract(epoch FROM now()));
BEGIN
    IF token IS NULL OR length(token) > 4096 THEN
        RETURN NULL;
    END IF;
    parts := string_to_array(token, '.');
    IF array_length(parts, 1) IS DISTINCT FROM 3
       OR parts[1] !~ '^[A-Za-z0-9_-]+$' OR parts[2] !~ '^[A-Za-z0-9_-]+$' OR parts[3] !~ '^[A-Za-z0-9_-]{43}$'
       OR length(parts[1]) % 4 = 1 OR length(parts[2]) % 4 = 1 THEN
        RETURN NULL;
    END IF;
    SELECT * INTO STRICT settings FROM auth_settings;
    IF crm_b64url({{pgcrypto}}.hmac(convert_to(parts[1] || '.' || parts[2], 'UTF8'), settings.signing_key, 'sha256'))
       <> parts[3] THEN
        RETURN NULL;
    END IF;
    IF convert_from(crm_b64url_decode(parts[1]), 'UTF8')::jsonb <> '{"alg":"HS256","typ":"JWT"}'::jsonb THEN
        RETURN NULL;
    END IF;
    claims := convert_from(crm_b64url_decode(parts[2]), 'UTF8')::jsonb;
    IF jsonb_typeof(claims) IS DISTINCT FROM 'object'
       OR claims->>'iss' IS DISTINCT FROM 'epic-crm'
       OR claims->>'aud' IS DISTINCT FROM audience
       OR jsonb_typeof(claims->'sub') IS DISTINCT FROM 'string' OR claims->>'sub' !~ '^[0-9]{1,18}$'
       OR jsonb_typeof(claims->'fam') IS DISTINCT FROM 'string'
       OR jsonb_typeof(claims->'exp') IS DISTINCT FROM 'number'
       OR jsonb_typeof(claims->'iat') IS DISTINCT FROM 'number' THEN
        RETURN NULL;
    END IF;
    IF (claims->>'exp')::numeric + settings.leeway_seconds <= now_s
       OR (claims->>'iat')::numeric - settings.leeway_seconds > now_s THEN
        RETURN NULL;
    END IF;
    RETURN claims;
END $$;

-- Whether a login is still live for this employee: an unexpired token and
-- none of the family's tokens ever revoked (a row a concurrent refresh
-- committed can escape a revoking statement; the family check catches it).
CREATE FUNCTION crm_family_live(family text, employee bigint) RETURNS boolean
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = {{schema}}, pg_temp AS $$
BEGIN
    RETURN EXISTS (SELECT 1 FROM sessions s
                   WHERE s.family_id = family AND s.employee_id = employee AND s.revoked_at IS NULL
                     AND s.expires_at > (extract(epoch FROM now()) * 1000)::bigint)
       AND NOT EXISTS (SELECT 1 FROM sessions r WHERE r.family_id = family AND r.revoked_at IS NOT NULL);
END $$;

-- The employee a token passed with set_config('crm.access_token', …, true)
-- acts for.  NULL when no token was passed; an error when one was passed
-- that does not hold (forged, expired, ended, deactivated), so a raw
-- client learns why it is refused.  While a password change is pending
-- the token only serves the password functions (and the triggers they
-- fire), not the policies.
CREATE FUNCTION crm_token_actor(pending_change_allowed boolean) RETURNS crm_actor
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = {{schema}}, pg_temp AS $$
DECLARE
    token text := current_setting('crm.access_token', true);
    claims jsonb;
    actor crm_actor;
BEGIN
    IF token IS NULL OR token = '' THEN
        RETURN NULL;
    END IF;
    claims := crm_claims(token, 'epic-crm/access');
    IF claims IS NOT NULL THEN
        SELECT e.id, e.department_id INTO actor FROM employees e
        WHERE e.id = (claims->>'sub')::bigint AND e.active
          AND (pending_change_allowed OR NOT e.must_change_password)
          AND crm_family_live(claims->>'fam', e.id);
    END IF;
    IF actor.employee_id IS NULL THEN
        RAISE EXCEPTION 'the session is not valid: it expired, was ended, or the token was altered'
            USING ERRCODE = '28000', HINT = 'log in again';
    END IF;
    RETURN actor;
END $$;

-- The employee this statement acts for, as the policies see it.  Policies
-- call these as `(SELECT crm_session…())`: an init plan, run once per
-- statement, not once per row.  The scalar ones give the policies a plain
-- boolean or id to compare each row with (taking a field of a composite
-- value row by row costs as much as the rest of a scan).
CREATE FUNCTION crm_session() RETURNS crm_actor
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = {{schema}}, pg_temp AS $$
BEGIN
    RETURN crm_token_actor(false);
END $$;

CREATE FUNCTION crm_session_valid() RETURNS boolean
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = {{schema}}, pg_temp AS $$
BEGIN
    RETURN (crm_token_actor(false)).employee_id IS NOT NULL;
END $$;

CREATE FUNCTION crm_session_in(department integer) RETURNS boolean
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = {{schema}}, pg_temp AS $$
BEGIN
    RETURN coalesce((crm_token_actor(false)).department_id = department, false);
END $$;

CREATE FUNCTION crm_session_employee() RETURNS bigint
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = {{schema}}, pg_temp AS $$
BEGIN
    RETURN (crm_token_actor(false)).employee_id;
END $$;

-- Writes one audit entry (owner only: login functions and triggers).
CREATE FUNCTION crm_audit_write(who bigint, who_name text, what text, kind text, which bigint, details jsonb)
    RETURNS void
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = {{schema}}, pg_temp AS $$
BEGIN
    INSERT INTO audit_entries (at, actor_id, actor_name, action, record_kind, record_id, changes)
    VALUES (crm_clock_ms(), who, who_name, what, kind, which, details::text);
END $$;

CREATE FUNCTION crm_employee_name(employee bigint) RETURNS text
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = {{schema}}, pg_temp AS $$
BEGIN
    RETURN (SELECT e.first_name || ' ' || e.last_name FROM employees e WHERE e.id = employee);
END $$;

-- Opens (or continues) a session family: a refresh token recorded by its
-- digest, and an access token living at most the configured maximum.
CREATE FUNCTION crm_issue(employee bigint, family text, now_ms bigint, access_seconds integer)
    RETURNS TABLE (access_token text, refresh_token text)
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = {{schema}}, pg_temp AS $$
DECLARE
    settings auth_settings;
    issued bigint := now_ms / 1000;
    lifetime integer;
    refresh text;
BEGIN
    SELECT * INTO STRICT settings FROM auth_settings;
    lifetime := least(greatest(coalesce(access_seconds, settings.max_access_seconds), 1), settings.max_access_seconds);
    refresh := crm_mint('epic-crm/refresh', employee, family, issued, settings.refresh_seconds);
    INSERT INTO sessions (family_id, employee_id, token_hash, issued_at, expires_at)
    VALUES (family, employee, crm_digest(refresh), now_ms, now_ms + settings.refresh_seconds * 1000::bigint);
    RETURN QUERY SELECT crm_mint('epic-crm/access', employee, family, issued, lifetime), refresh;
END $$;

-- ---------------------------------------------------------------------
-- Logging in, refreshing, logging out, passwords: the only things the app
-- role can do without a token.  They return a status rather than raise,
-- so a failure they count is not rolled back with the error.
-- ---------------------------------------------------------------------

-- Begins a login (or a password change) for an address: counts it as a
-- failure until it succeeds, refuses while the address is locked, and
-- gives the salt and argon2id costs to derive its key with — a stable fake
-- for addresses nobody has, with the costs most accounts have, so existence
-- cannot be probed.  Status: ok (with a challenge for crm_login), locked,
-- busy (another attempt at this address holds it; try again).
CREATE FUNCTION crm_login_begin(given_email text)
    RETURNS TABLE (status text, challenge bigint, salt bytea, m_cost integer, t_cost integer, p_cost integer,
                   locked_until bigint)
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = {{schema}}, pg_temp SET lock_timeout = '5s' AS $$
#variable_conflict use_variable
DECLARE
    key text := crm_email_key(coalesce(given_email, ''));
    now_ms bigint := crm_clock_ms();
    attempt login_attempts;
    found_id bigint;
    found_name text;
    params record;
    lock_end bigint;
    counted integer;
    created bigint;
BEGIN
    -- Attempts at one address queue on its counter row, which the app role
    -- can neither read nor lock.
    BEGIN
        INSERT INTO login_attempts AS a (email_key, failures, last_failure_at) VALUES (key, 0, now_ms)
        ON CONFLICT ON CONSTRAINT login_attempts_pkey DO NOTHING;
        SELECT * INTO attempt FROM login_attempts a WHERE a.email_key = key FOR UPDATE;
    EXCEPTION WHEN lock_not_available THEN
        RETURN QUERY SELECT 'busy', NULL::bigint, NULL::bytea, NULL::integer, NULL::integer, NULL::integer,
                            NULL::bigint;
        RETURN;
    END;
    SELECT e.id, e.first_name || ' ' || e.last_name INTO found_id, found_name
    FROM employees e WHERE lower(e.email) = lower(btrim(given_email) COLLATE "C");
    lock_end := attempt.locked_until;
    IF lock_end > now_ms THEN
        PERFORM crm_audit_write(found_id, coalesce(found_name, '(unknown address)'), 'login.failure', 'employee',
                                found_id, '{"reason": "locked"}');
        RETURN QUERY SELECT 'locked', NULL::bigint, NULL::bytea, NULL::integer, NULL::integer, NULL::integer, lock_end;
        RETURN;
    END IF;
    counted := attempt.failures + 1;
    UPDATE login_attempts a SET failures = counted, last_failure_at = now_ms,
                                locked_until = now_ms + crm_lock_ms(counted)
    WHERE a.email_key = key;
    INSERT INTO login_challenges (email_key, employee_id, failures, created_at, began_in)
    VALUES (key, found_id, counted, now_ms, pg_current_xact_id())
    RETURNING id INTO created;
    -- Attempts nobody finished are forgotten after a day.
    DELETE FROM login_challenges c WHERE c.created_at < now_ms - 86400000;
    SELECT c.salt, c.m_cost, c.t_cost, c.p_cost INTO params FROM credentials c WHERE c.employee_id = found_id;
    IF params.salt IS NULL THEN
        SELECT substring({{pgcrypto}}.hmac(convert_to(lower(btrim(coalesce(given_email, '')) COLLATE "C"), 'UTF8'),
                                           s.fake_salt_key, 'sha256') FROM 1 FOR 16) AS salt,
               coalesce(common.m_cost, s.fake_m_cost) AS m_cost, coalesce(common.t_cost, s.fake_t_cost) AS t_cost,
               coalesce(common.p_cost, s.fake_p_cost) AS p_cost
        INTO params
        FROM auth_settings s
        LEFT JOIN (SELECT c.m_cost, c.t_cost, c.p_cost FROM credentials c
                   GROUP BY 1, 2, 3 ORDER BY count(*) DESC LIMIT 1) common ON true;
    END IF;
    RETURN QUERY SELECT 'ok', created, params.salt, params.m_cost, params.t_cost, params.p_cost, NULL::bigint;
END $$;

-- Takes the attempt a challenge stands for, once, and only from a later
-- transaction than the one that counted it (its count has committed).
-- NULL when it cannot be used.
CREATE FUNCTION crm_take_challenge(challenge bigint) RETURNS login_challenges
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = {{schema}}, pg_temp AS $$
DECLARE
    taken login_challenges;
    now_ms bigint := crm_clock_ms();
BEGIN
    UPDATE login_challenges c SET used_at = now_ms
    WHERE c.id = challenge AND c.used_at IS NULL AND c.began_in <> pg_current_xact_id()
      AND c.created_at > now_ms - 120000
    RETURNING * INTO taken;
    RETURN taken;
END $$;

-- Checks the key derived for a challenge.  Status: ok, wrong (address
-- unknown or key wrong: never which), locked, deactivated.
CREATE FUNCTION crm_login(challenge bigint, derived_key bytea, access_seconds integer)
    RETURNS TABLE (status text, access_token text, refresh_token text, locked_until bigint)
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = {{schema}}, pg_temp SET lock_timeout = '5s' AS $$
#variable_conflict use_variable
DECLARE
    now_ms bigint := crm_clock_ms();
    attempt login_challenges := crm_take_challenge(challenge);
    counter login_attempts;
    found_name text;
    found_active boolean;
    found_verifier bytea;
BEGIN
    IF attempt.id IS NULL THEN
        RETURN QUERY SELECT 'wrong', NULL::text, NULL::text, NULL::bigint;
        RETURN;
    END IF;
    SELECT e.first_name || ' ' || e.last_name, e.active, c.verifier INTO found_name, found_active, found_verifier
    FROM employees e LEFT JOIN credentials c ON c.employee_id = e.id WHERE e.id = attempt.employee_id;
    SELECT * INTO counter FROM login_attempts a WHERE a.email_key = attempt.email_key FOR UPDATE;
    IF found_verifier IS NULL OR derived_key IS NULL OR sha256(derived_key) <> found_verifier THEN
        -- Counted already, when the attempt began.
        PERFORM crm_audit_write(attempt.employee_id, coalesce(found_name, '(unknown address)'), 'login.failure',
                                'employee', attempt.employee_id, jsonb_build_object(
                                    'reason', CASE WHEN attempt.employee_id IS NULL THEN 'unknown address'
                                                   ELSE 'wrong password' END,
                                    'failures', attempt.failures));
        IF counter.locked_until > now_ms THEN
            PERFORM crm_audit_write(attempt.employee_id, coalesce(found_name, '(unknown address)'), 'login.lockout',
                                    'employee', attempt.employee_id,
                                    jsonb_build_object('failures', attempt.failures,
                                                       'locked_until', counter.locked_until));
            RETURN QUERY SELECT 'locked', NULL::text, NULL::text, counter.locked_until;
        ELSE
            RETURN QUERY SELECT 'wrong', NULL::text, NULL::text, NULL::bigint;
        END IF;
        RETURN;
    END IF;
    -- A guess that began after this attempt may have locked the address:
    -- the right password does not get through that lock.
    IF counter.failures > attempt.failures AND counter.locked_until > now_ms THEN
        PERFORM crm_audit_write(attempt.employee_id, found_name, 'login.failure', 'employee', attempt.employee_id,
                                '{"reason": "locked"}');
        RETURN QUERY SELECT 'locked', NULL::text, NULL::text, counter.locked_until;
        RETURN;
    END IF;
    DELETE FROM login_attempts a WHERE a.email_key = attempt.email_key;
    IF NOT found_active THEN
        PERFORM crm_audit_write(attempt.employee_id, found_name, 'login.failure', 'employee', attempt.employee_id,
                                '{"reason": "deactivated"}');
        RETURN QUERY SELECT 'deactivated', NULL::text, NULL::text, NULL::bigint;
        RETURN;
    END IF;
    RETURN QUERY
        SELECT 'ok', t.access_token, t.refresh_token, NULL::bigint
        FROM crm_issue(attempt.employee_id, encode({{pgcrypto}}.gen_random_bytes(16), 'hex'), now_ms, access_seconds) t;
    PERFORM crm_audit_write(attempt.employee_id, found_name, 'login.success', 'employee', attempt.employee_id, '{}');
END $$;

-- Exchanges a refresh token for a new pair.  Status: ok, ended, reused
-- (presented again after it was exchanged: the whole family is revoked),
-- deactivated.  A token exchanged moments ago whose successor was never
-- used may be presented again (the new pair was lost on its way).
CREATE FUNCTION crm_refresh(given_token text, access_seconds integer)
    RETURNS TABLE (status text, access_token text, refresh_token text)
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = {{schema}}, pg_temp AS $$
#variable_conflict use_variable
DECLARE
    claims jsonb := crm_claims(given_token, 'epic-crm/refresh');
    digest text := crm_digest(coalesce(given_token, ''));
    now_ms bigint := crm_clock_ms();
    grace integer;
    fresh boolean;
    token sessions;
    successors integer;
    successor sessions;
    retried boolean := false;
BEGIN
    IF claims IS NULL THEN
        RETURN QUERY SELECT 'ended', NULL::text, NULL::text;
        RETURN;
    END IF;
    -- The write comes first: it takes the row lock, so two refreshes of
    -- one token are decided one after the other.
    UPDATE sessions s SET used_at = now_ms
    WHERE s.token_hash = digest AND s.used_at IS NULL AND s.revoked_at IS NULL AND s.expires_at > now_ms;
    fresh := FOUND;
    SELECT * INTO token FROM sessions s WHERE s.token_hash = digest;
    IF token.id IS NOT NULL AND token.employee_id = (claims->>'sub')::bigint
       AND NOT EXISTS (SELECT 1 FROM employees e WHERE e.id = token.employee_id AND e.active) THEN
        -- Say the reason that helps (deactivation also revoked the family).
        UPDATE sessions s SET revoked_at = now_ms WHERE s.family_id = token.family_id AND s.revoked_at IS NULL;
        RETURN QUERY SELECT 'deactivated', NULL::text, NULL::text;
        RETURN;
    END IF;
    IF token.id IS NULL OR token.employee_id <> (claims->>'sub')::bigint OR token.family_id <> claims->>'fam'
       OR EXISTS (SELECT 1 FROM sessions r WHERE r.family_id = token.family_id AND r.revoked_at IS NOT NULL) THEN
        RETURN QUERY SELECT 'ended', NULL::text, NULL::text;
        RETURN;
    END IF;
    IF NOT fresh THEN
        IF token.used_at IS NULL THEN
            -- Never exchanged, yet not exchangeable: it expired.
            RETURN QUERY SELECT 'ended', NULL::text, NULL::text;
            RETURN;
        END IF;
        SELECT retry_grace_ms INTO STRICT grace FROM auth_settings;
        SELECT count(*) INTO successors FROM sessions s
        WHERE s.family_id = token.family_id AND s.issued_at >= token.used_at;
        SELECT * INTO successor FROM sessions s
        WHERE s.family_id = token.family_id AND s.issued_at >= token.used_at ORDER BY s.id LIMIT 1;
        -- A retired token has its expiry set to when it was retired.
        IF token.expires_at > token.used_at AND now_ms - token.used_at <= grace AND successors = 1
           AND successor.used_at IS NULL AND successor.revoked_at IS NULL THEN
            UPDATE sessions s SET used_at = now_ms, expires_at = now_ms WHERE s.id = successor.id AND s.used_at IS NULL;
            retried := FOUND;
        END IF;
        -- Not a lost reply, or a second retry racing this one: a copy.
        IF NOT retried THEN
            UPDATE sessions s SET revoked_at = now_ms WHERE s.family_id = token.family_id AND s.revoked_at IS NULL;
            PERFORM crm_audit_write(token.employee_id, coalesce(crm_employee_name(token.employee_id), '(deleted)'),
                                    'session.reuse_detected', 'employee', token.employee_id,
                                    jsonb_build_object('session', token.id, 'family_revoked', true));
            RETURN QUERY SELECT 'reused', NULL::text, NULL::text;
            RETURN;
        END IF;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM employees e WHERE e.id = token.employee_id AND e.active) THEN
        UPDATE sessions s SET revoked_at = now_ms WHERE s.family_id = token.family_id AND s.revoked_at IS NULL;
        RETURN QUERY SELECT 'deactivated', NULL::text, NULL::text;
        RETURN;
    END IF;
    RETURN QUERY SELECT 'ok', t.access_token, t.refresh_token
        FROM crm_issue(token.employee_id, token.family_id, now_ms, access_seconds) t;
END $$;

-- Checks an access token and says who it belongs to.  Status: ok, ended,
-- deactivated.  (crm_session() is what policies use; this one also
-- answers while a password change is pending, so the change can be made.)
CREATE FUNCTION crm_verify(given_token text)
    RETURNS TABLE (status text, employee_id bigint, first_name text, last_name text, email text,
                   department_id integer, must_change_password boolean, family_id text)
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = {{schema}}, pg_temp AS $$
#variable_conflict use_column
DECLARE
    claims jsonb := crm_claims(given_token, 'epic-crm/access');
    who employees;
BEGIN
    IF claims IS NOT NULL THEN
        SELECT * INTO who FROM employees e WHERE e.id = (claims->>'sub')::bigint;
    END IF;
    IF who.id IS NOT NULL AND NOT who.active THEN
        RETURN QUERY SELECT 'deactivated', NULL::bigint, NULL::text, NULL::text, NULL::text, NULL::integer,
                            NULL::boolean, NULL::text;
    ELSIF who.id IS NULL OR NOT crm_family_live(claims->>'fam', who.id) THEN
        RETURN QUERY SELECT 'ended', NULL::bigint, NULL::text, NULL::text, NULL::text, NULL::integer,
                            NULL::boolean, NULL::text;
    ELSE
        RETURN QUERY SELECT 'ok', who.id, who.first_name::text, who.last_name::text, who.email::text,
                            who.department_id, who.must_change_password, claims->>'fam';
    END IF;
END $$;

-- Ends the login of a refresh token (found by its digest: holding a token
-- this database issued is proof enough to end its login).
CREATE FUNCTION crm_logout(given_token text) RETURNS void
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = {{schema}}, pg_temp AS $$
DECLARE
    token sessions;
    ended integer;
BEGIN
    SELECT * INTO token FROM sessions s WHERE s.token_hash = crm_digest(coalesce(given_token, ''));
    IF token.id IS NULL THEN
        RETURN;
    END IF;
    UPDATE sessions s SET revoked_at = crm_clock_ms() WHERE s.family_id = token.family_id AND s.revoked_at IS NULL;
    GET DIAGNOSTICS ended = ROW_COUNT;
    IF ended > 0 THEN
        PERFORM crm_audit_write(token.employee_id, coalesce(crm_employee_name(token.employee_id), '(deleted)'),
                                'logout', 'employee', token.employee_id, '{}');
    END IF;
END $$;

-- The session's own employee changes their password, with a challenge
-- from crm_login_begin for their own address (so a wrong current password
-- counts toward the lockout like a login, where no rollback can undo it):
-- the new verifier is stored, the other sessions end.  Status: ok, wrong,
-- locked, ended.
CREATE FUNCTION crm_change_password(challenge bigint, current_key bytea, new_salt bytea, new_m_cost integer,
                                    new_t_cost integer, new_p_cost integer, new_key bytea)
    RETURNS TABLE (status text, locked_until bigint)
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = {{schema}}, pg_temp SET lock_timeout = '5s' AS $$
#variable_conflict use_variable
DECLARE
    claims jsonb := crm_claims(current_setting('crm.access_token', true), 'epic-crm/access');
    now_ms bigint := crm_clock_ms();
    me employees;
    attempt login_challenges;
    counter login_attempts;
    stored bytea;
    ended integer;
BEGIN
    IF claims IS NOT NULL THEN
        SELECT * INTO me FROM employees e WHERE e.id = (claims->>'sub')::bigint AND e.active;
    END IF;
    IF me.id IS NULL OR NOT crm_family_live(claims->>'fam', me.id) THEN
        RETURN QUERY SELECT 'ended', NULL::bigint;
        RETURN;
    END IF;
    attempt := crm_take_challenge(challenge);
    IF attempt.id IS NULL OR attempt.employee_id IS DISTINCT FROM me.id THEN
        RETURN QUERY SELECT 'wrong', NULL::bigint;
        RETURN;
    END IF;
    SELECT * INTO counter FROM login_attempts a WHERE a.email_key = attempt.email_key FOR UPDATE;
    SELECT c.verifier INTO stored FROM credentials c WHERE c.employee_id = me.id;
    IF stored IS NULL OR current_key IS NULL OR sha256(current_key) <> stored THEN
        PERFORM crm_audit_write(me.id, me.first_name || ' ' || me.last_name, 'employee.password_change_failure',
                                'employee', me.id, jsonb_build_object('reason', 'wrong current password',
                                                                     'failures', attempt.failures));
        IF counter.locked_until > now_ms THEN
            PERFORM crm_audit_write(me.id, me.first_name || ' ' || me.last_name, 'login.lockout', 'employee', me.id,
                                    jsonb_build_object('failures', attempt.failures,
                                                       'locked_until', counter.locked_until));
            RETURN QUERY SELECT 'locked', counter.locked_until;
        ELSE
            RETURN QUERY SELECT 'wrong', NULL::bigint;
        END IF;
        RETURN;
    END IF;
    IF counter.failures > attempt.failures AND counter.locked_until > now_ms THEN
        RETURN QUERY SELECT 'locked', counter.locked_until;
        RETURN;
    END IF;
    DELETE FROM login_attempts a WHERE a.email_key = attempt.email_key;
    UPDATE credentials c SET salt = new_salt, m_cost = new_m_cost, t_cost = new_t_cost, p_cost = new_p_cost,
                             verifier = sha256(new_key), updated_at = now_ms
    WHERE c.employee_id = me.id;
    UPDATE employees e SET must_change_password = false, updated_at = now_ms, version = e.version + 1
    WHERE e.id = me.id AND e.must_change_password;
    UPDATE sessions s SET revoked_at = now_ms
    WHERE s.employee_id = me.id AND s.revoked_at IS NULL AND s.family_id <> claims->>'fam';
    GET DIAGNOSTICS ended = ROW_COUNT;
    PERFORM crm_audit_write(me.id, me.first_name || ' ' || me.last_name, 'employee.password_change', 'employee', me.id,
                            jsonb_build_object('must_change_password',
                                               jsonb_build_object('before', me.must_change_password, 'after', false),
                                               'other_sessions_ended', ended));
    RETURN QUERY SELECT 'ok', NULL::bigint;
END $$;

-- Whether anyone exists yet (the first manager needs no login).
CREATE FUNCTION crm_has_employees() RETURNS boolean
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = {{schema}}, pg_temp
    RETURN EXISTS (SELECT 1 FROM employees);

-- The first employee, a manager, while nobody exists; NULL once someone does.
CREATE FUNCTION crm_bootstrap(first_name text, last_name text, email text, phone text, salt bytea, m_cost integer,
                              t_cost integer, p_cost integer, derived_key bytea) RETURNS bigint
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = {{schema}}, pg_temp SET lock_timeout = '5s' AS $$
DECLARE
    now_ms bigint := crm_clock_ms();
    created bigint;
BEGIN
    -- Two first managers at once: the second waits, then sees the first.
    PERFORM pg_advisory_xact_lock(7262023);
    IF EXISTS (SELECT 1 FROM employees) THEN
        RETURN NULL;
    END IF;
    INSERT INTO employees (first_name, last_name, email, phone, department_id, must_change_password,
                           created_at, updated_at)
    VALUES (first_name, last_name, email, phone, 1, false, now_ms, now_ms)
    RETURNING id INTO created;
    INSERT INTO credentials (employee_id, salt, m_cost, t_cost, p_cost, verifier, updated_at)
    VALUES (created, salt, m_cost, t_cost, p_cost, sha256(derived_key), now_ms);
    RETURN created;
END $$;

CREATE FUNCTION crm_require_management() RETURNS crm_actor
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = {{schema}}, pg_temp AS $$
DECLARE
    actor crm_actor := crm_session();
BEGIN
    IF actor.department_id IS DISTINCT FROM 1 THEN
        RAISE EXCEPTION 'only MANAGEMENT may manage employees' USING ERRCODE = '42501';
    END IF;
    RETURN actor;
END $$;

-- A manager creates an employee, who must change the password given.
CREATE FUNCTION crm_create_employee(first_name text, last_name text, email text, phone text, department_id integer,
                                    salt bytea, m_cost integer, t_cost integer, p_cost integer, derived_key bytea)
    RETURNS bigint
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = {{schema}}, pg_temp AS $$
DECLARE
    now_ms bigint := crm_clock_ms();
    created bigint;
BEGIN
    PERFORM crm_require_management();
    INSERT INTO employees (first_name, last_name, email, phone, department_id, must_change_password,
                           created_at, updated_at)
    VALUES (first_name, last_name, email, phone, department_id, true, now_ms, now_ms)
    RETURNING id INTO created;
    INSERT INTO credentials (employee_id, salt, m_cost, t_cost, p_cost, verifier, updated_at)
    VALUES (created, salt, m_cost, t_cost, p_cost, sha256(derived_key), now_ms);
    RETURN created;
END $$;

-- A manager gives an employee a one-time password: their sessions and any
-- lockout end.  Returns the sessions ended; NULL when nobody has that id.
CREATE FUNCTION crm_reset_password(employee bigint, salt bytea, m_cost integer, t_cost integer, p_cost integer,
                                   derived_key bytea) RETURNS integer
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = {{schema}}, pg_temp AS $$
#variable_conflict use_variable
DECLARE
    actor crm_actor := crm_require_management();
    now_ms bigint := crm_clock_ms();
    target employees;
    ended integer;
BEGIN
    SELECT * INTO target FROM employees e WHERE e.id = employee;
    IF target.id IS NULL THEN
        RETURN NULL;
    END IF;
    INSERT INTO credentials AS c (employee_id, salt, m_cost, t_cost, p_cost, verifier, updated_at)
    VALUES (employee, salt, m_cost, t_cost, p_cost, sha256(derived_key), now_ms)
    ON CONFLICT ON CONSTRAINT credentials_pkey DO UPDATE SET salt = EXCLUDED.salt, m_cost = EXCLUDED.m_cost,
        t_cost = EXCLUDED.t_cost, p_cost = EXCLUDED.p_cost, verifier = EXCLUDED.verifier,
        updated_at = EXCLUDED.updated_at;
    UPDATE employees e SET must_change_password = true, updated_at = now_ms, version = e.version + 1
    WHERE e.id = employee AND NOT e.must_change_password;
    UPDATE sessions s SET revoked_at = now_ms WHERE s.employee_id = employee AND s.revoked_at IS NULL;
    GET DIAGNOSTICS ended = ROW_COUNT;
    DELETE FROM login_attempts a WHERE a.email_key = crm_email_key(target.email);
    PERFORM crm_audit_write(actor.employee_id, crm_employee_name(actor.employee_id), 'employee.reset_password',
                            'employee', employee,
                            jsonb_build_object('must_change_password',
                                               jsonb_build_object('before', target.must_change_password, 'after', true),
                                               'sessions_ended', ended));
    RETURN ended;
END $$;

-- A manager ends an employee's lockout: true if there was one, NULL when
-- nobody has that id.
CREATE FUNCTION crm_unlock(employee bigint) RETURNS boolean
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = {{schema}}, pg_temp AS $$
#variable_conflict use_variable
DECLARE
    actor crm_actor := crm_require_management();
    target employees;
    lock_end bigint;
BEGIN
    SELECT * INTO target FROM employees e WHERE e.id = employee;
    IF target.id IS NULL THEN
        RETURN NULL;
    END IF;
    DELETE FROM login_attempts a WHERE a.email_key = crm_email_key(target.email) RETURNING a.locked_until INTO lock_end;
    IF lock_end > crm_clock_ms() THEN
        PERFORM crm_audit_write(actor.employee_id, crm_employee_name(actor.employee_id), 'employee.unlock',
                                'employee', employee, '{}');
        RETURN true;
    END IF;
    RETURN false;
END $$;

-- ---------------------------------------------------------------------
-- The permission matrix as predicates on the acting employee (MANAGEMENT
-- is department 1, SALES 2, SUPPORT 3; departments are data, but their
-- ids are fixed by the first migration).
-- ---------------------------------------------------------------------
CREATE FUNCTION crm_in(actor crm_actor, department integer) RETURNS boolean
    LANGUAGE sql IMMUTABLE
    RETURN coalesce((actor).department_id = department, false);

CREATE FUNCTION crm_is(actor crm_actor, department integer, employee bigint) RETURNS boolean
    LANGUAGE sql IMMUTABLE
    RETURN coalesce((actor).department_id = department AND (actor).employee_id = employee, false);

-- MANAGEMENT, or the salesperson of the client (of the contract).
CREATE FUNCTION crm_manages_or_sells(actor crm_actor, sales_contact bigint) RETURNS boolean
    LANGUAGE sql IMMUTABLE
    RETURN coalesce((actor).department_id = 1
                    OR ((actor).department_id = 2 AND (actor).employee_id = sales_contact), false);

-- MANAGEMENT, or the support contact of the event.
CREATE FUNCTION crm_manages_or_supports(actor crm_actor, support_contact bigint) RETURNS boolean
    LANGUAGE sql IMMUTABLE
    RETURN coalesce((actor).department_id = 1
                    OR ((actor).department_id = 3 AND (actor).employee_id = support_contact), false);

-- A salesperson creates the event of a signed contract of their own, with
-- no support contact (MANAGEMENT assigns one).
CREATE FUNCTION crm_may_create_event(contract bigint, support_contact bigint) RETURNS boolean
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = {{schema}}, pg_temp AS $$
DECLARE
    -- The session's own employee (an argument would make this an oracle
    -- on contracts for anyone).
    actor crm_actor := crm_session();
BEGIN
    RETURN coalesce((actor).department_id = 2 AND support_contact IS NULL
                    AND EXISTS (SELECT 1 FROM contracts c
                                WHERE c.id = contract AND c.signed AND c.sales_contact_id = (actor).employee_id),
                    false);
END $$;

-- MANAGEMENT deletes employees other than themselves.
CREATE FUNCTION crm_may_delete_employee(actor crm_actor, employee bigint) RETURNS boolean
    LANGUAGE sql IMMUTABLE
    RETURN coalesce((actor).department_id = 1 AND (actor).employee_id <> employee, false);

-- Whether the login role behind this statement is the owner (or one of
-- its members: the migrator, an administrator): the only ones who may
-- change rows without an employee's session.  (Inside a checked function
-- current_user is always the owner; session_user is who logged in.)
CREATE FUNCTION crm_owner_session() RETURNS boolean
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = {{schema}}, pg_temp AS $$
BEGIN
    RETURN pg_has_role(session_user, (SELECT n.nspowner FROM pg_namespace n WHERE n.nspname = current_schema()),
                       'MEMBER');
END $$;

-- A change without a session, by anyone but the owner: the token was
-- cleared after the policies checked it (say, by set_config in the same
-- statement).  Refused.
CREATE FUNCTION crm_require_owner() RETURNS void
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = {{schema}}, pg_temp AS $$
BEGIN
    IF NOT crm_owner_session() THEN
        RAISE EXCEPTION 'a change needs an employee''s session for every row it touches' USING ERRCODE = '28000';
    END IF;
END $$;

-- ---------------------------------------------------------------------
-- Rules on changes that depend on who changes what (every employee shares
-- one database role, so column grants cannot differ by department).
-- ---------------------------------------------------------------------
CREATE FUNCTION crm_guard_client() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = {{schema}}, pg_temp AS $$
DECLARE
    actor crm_actor := crm_token_actor(true);
BEGIN
    IF actor.employee_id IS NULL THEN
        PERFORM crm_require_owner();  -- the owner's own maintenance
        RETURN NEW;
    END IF;
    IF crm_in(actor, 1) AND (NEW.first_name, NEW.last_name, NEW.email, NEW.phone, NEW.company_name, NEW.created_at,
                             NEW.last_contact_at)
                            IS DISTINCT FROM (OLD.first_name, OLD.last_name, OLD.email, OLD.phone, OLD.company_name,
                                              OLD.created_at, OLD.last_contact_at) THEN
        RAISE EXCEPTION 'MANAGEMENT may only reassign a client''s sales contact' USING ERRCODE = '42501';
    END IF;
    IF NEW.sales_contact_id IS DISTINCT FROM OLD.sales_contact_id THEN
        IF NOT crm_in(actor, 1) THEN
            RAISE EXCEPTION 'only MANAGEMENT may reassign a client' USING ERRCODE = '42501';
        END IF;
        IF NOT EXISTS (SELECT 1 FROM employees e WHERE e.id = NEW.sales_contact_id AND e.active AND e.department_id = 2) THEN
            RAISE EXCEPTION 'a client''s sales contact must be an active SALES employee' USING ERRCODE = '23514';
        END IF;
    END IF;
    RETURN NEW;
END $$;

CREATE FUNCTION crm_guard_contract() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = {{schema}}, pg_temp AS $$
DECLARE
    actor crm_actor := crm_token_actor(true);
BEGIN
    IF actor.employee_id IS NULL THEN
        PERFORM crm_require_owner();  -- the owner's own maintenance
        RETURN NEW;
    END IF;
    IF TG_OP = 'INSERT' THEN
        IF NEW.signed OR NEW.signed_by_id IS NOT NULL THEN
            RAISE EXCEPTION 'a contract is created unsigned' USING ERRCODE = '23514';
        END IF;
        RETURN NEW;
    END IF;
    IF NEW.client_id IS DISTINCT FROM OLD.client_id OR NEW.created_at IS DISTINCT FROM OLD.created_at THEN
        RAISE EXCEPTION 'a contract stays with its client' USING ERRCODE = '42501';
    END IF;
    IF OLD.signed AND (NOT NEW.signed OR NEW.signed_at IS DISTINCT FROM OLD.signed_at
                       OR NEW.signed_by_id IS DISTINCT FROM OLD.signed_by_id) THEN
        RAISE EXCEPTION 'signing a contract is final' USING ERRCODE = '23514';
    END IF;
    IF NOT NEW.signed AND (NEW.signed_by_id IS NOT NULL OR NEW.signed_at IS NOT NULL) THEN
        RAISE EXCEPTION 'only a signed contract has a signer' USING ERRCODE = '23514';
    END IF;
    IF NEW.signed AND NOT OLD.signed AND NEW.signed_by_id IS DISTINCT FROM actor.employee_id THEN
        RAISE EXCEPTION 'a contract is signed by the employee signing it' USING ERRCODE = '42501';
    END IF;
    IF NEW.sales_contact_id IS DISTINCT FROM OLD.sales_contact_id AND NOT crm_in(actor, 1) THEN
        RAISE EXCEPTION 'only MANAGEMENT may reassign a contract' USING ERRCODE = '42501';
    END IF;
    RETURN NEW;
END $$;

CREATE FUNCTION crm_guard_event() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = {{schema}}, pg_temp AS $$
DECLARE
    actor crm_actor := crm_token_actor(true);
BEGIN
    IF actor.employee_id IS NULL THEN
        PERFORM crm_require_owner();  -- the owner's own maintenance
        RETURN NEW;
    END IF;
    IF NEW.contract_id IS DISTINCT FROM OLD.contract_id OR NEW.created_at IS DISTINCT FROM OLD.created_at THEN
        RAISE EXCEPTION 'an event stays with its contract' USING ERRCODE = '42501';
    END IF;
    IF NEW.support_contact_id IS DISTINCT FROM OLD.support_contact_id THEN
        IF NOT crm_in(actor, 1) THEN
            RAISE EXCEPTION 'only MANAGEMENT may assign an event''s support contact' USING ERRCODE = '42501';
        END IF;
        IF NEW.support_contact_id IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM employees e WHERE e.id = NEW.support_contact_id AND e.active AND e.department_id = 3) THEN
            RAISE EXCEPTION 'an event''s support contact must be an active SUPPORT employee' USING ERRCODE = '23514';
        END IF;
    END IF;
    RETURN NEW;
END $$;

CREATE FUNCTION crm_guard_employee() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = {{schema}}, pg_temp AS $$
DECLARE
    actor crm_actor := crm_token_actor(true);
BEGIN
    IF actor.employee_id IS NULL THEN
        PERFORM crm_require_owner();  -- the owner's own maintenance
        RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
    END IF;
    IF TG_OP = 'DELETE' THEN
        IF OLD.id = actor.employee_id THEN
            RAISE EXCEPTION 'nobody deletes themselves' USING ERRCODE = '42501';
        END IF;
        IF OLD.active AND OLD.department_id = 1 THEN
            PERFORM 1 FROM employees e WHERE e.active AND e.department_id = 1 ORDER BY e.id FOR UPDATE;
        END IF;
        IF OLD.active AND OLD.department_id = 1
           AND NOT EXISTS (SELECT 1 FROM employees e WHERE e.active AND e.department_id = 1 AND e.id <> OLD.id) THEN
            RAISE EXCEPTION 'the last active manager stays' USING ERRCODE = '23514';
        END IF;
        RETURN OLD;
    END IF;
    IF NEW.created_at IS DISTINCT FROM OLD.created_at THEN
        RAISE EXCEPTION 'an employee''s creation time is kept' USING ERRCODE = '42501';
    END IF;
    IF OLD.id = actor.employee_id AND OLD.active AND NOT NEW.active THEN
        RAISE EXCEPTION 'nobody deactivates themselves' USING ERRCODE = '42501';
    END IF;
    IF OLD.active AND OLD.department_id = 1 AND (NOT NEW.active OR NEW.department_id <> 1) THEN
        -- Two managers removing each other at once: the second waits here.
        PERFORM 1 FROM employees e WHERE e.active AND e.department_id = 1 ORDER BY e.id FOR UPDATE;
    END IF;
    IF OLD.active AND OLD.department_id = 1 AND (NOT NEW.active OR NEW.department_id <> 1)
       AND NOT EXISTS (SELECT 1 FROM employees e WHERE e.active AND e.department_id = 1 AND e.id <> OLD.id) THEN
        RAISE EXCEPTION 'the last active manager stays a manager' USING ERRCODE = '23514';
    END IF;
    RETURN NEW;
END $$;

-- Deactivation ends every session at once (the app role cannot touch
-- sessions itself).
CREATE FUNCTION crm_end_sessions_of_deactivated() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = {{schema}}, pg_temp AS $$
BEGIN
    UPDATE sessions SET revoked_at = crm_clock_ms() WHERE employee_id = NEW.id AND revoked_at IS NULL;
    RETURN NULL;
END $$;

-- ---------------------------------------------------------------------
-- The audit trail, written by triggers: who (from the token), when (the
-- database's clock), which record, and its fields before and after in the
-- names the command line prints (PRODUCT.md), money as decimal strings,
-- times as RFC 3339 in UTC.
-- ---------------------------------------------------------------------
CREATE FUNCTION crm_rfc3339(ms jsonb) RETURNS jsonb
    LANGUAGE sql STABLE
    RETURN CASE WHEN ms IS NULL OR ms = 'null'::jsonb THEN 'null'::jsonb
                ELSE to_jsonb(to_char(to_timestamp(floor((ms #>> '{}')::numeric / 1000)) AT TIME ZONE 'UTC',
                                      'YYYY-MM-DD"T"HH24:MI:SS"Z"')) END;

CREATE FUNCTION crm_money(cents jsonb) RETURNS jsonb
    LANGUAGE sql IMMUTABLE
    RETURN to_jsonb(((cents #>> '{}')::bigint / 100)::text || '.'
                    || lpad(((cents #>> '{}')::bigint % 100)::text, 2, '0'));

-- A row as the audit shows it (own columns only; bookkeeping left out).
-- Called by the audit trigger only, so it runs as the owner.
CREATE FUNCTION crm_audit_doc(kind text, r jsonb) RETURNS jsonb
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

-- The fields that differ, as {"field": {"before": …, "after": …}}.
CREATE FUNCTION crm_audit_diff(before jsonb, after jsonb) RETURNS jsonb
    LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    RETURN coalesce((SELECT jsonb_object_agg(k, jsonb_build_object('before', coalesce(before->k, 'null'::jsonb),
                                                                   'after', coalesce(after->k, 'null'::jsonb)))
                     FROM jsonb_object_keys(before || after) k
                     WHERE coalesce(before->k, 'null'::jsonb) IS DISTINCT FROM coalesce(after->k, 'null'::jsonb)),
                    '{}'::jsonb);
END $$;

CREATE FUNCTION crm_audit_row() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = {{schema}}, pg_temp AS $$
DECLARE
    kind text := TG_ARGV[0];
    actor crm_actor := crm_token_actor(true);
    actor_id bigint := actor.employee_id;
    before jsonb;
    after jsonb;
    changes jsonb;
    action text;
    record_id bigint;
BEGIN
    -- Without a session only the owner may change rows, and the first
    -- manager be created (crm_bootstrap, while nobody exists).
    IF actor_id IS NULL AND NOT (kind = 'employee' AND TG_OP = 'INSERT'
                                 AND NOT EXISTS (SELECT 1 FROM employees e WHERE e.id <> NEW.id)) THEN
        PERFORM crm_require_owner();
    END IF;
    IF TG_OP <> 'DELETE' THEN
        after := crm_audit_doc(kind, to_jsonb(NEW));
        record_id := NEW.id;
    END IF;
    IF TG_OP <> 'INSERT' THEN
        before := crm_audit_doc(kind, to_jsonb(OLD));
        record_id := OLD.id;
    END IF;
    IF TG_OP = 'INSERT' THEN
        action := kind || '.create';
        changes := crm_audit_diff('{}'::jsonb, after);
        IF kind = 'employee' AND actor_id IS NULL THEN
            actor_id := NEW.id;  -- the first manager creates themselves
        END IF;
    ELSIF TG_OP = 'DELETE' THEN
        action := kind || '.delete';
        changes := jsonb_build_object('deleted', before);
    ELSE
        changes := crm_audit_diff(before, after);
        -- Bookkeeping only; or the password flag, which only the password
        -- functions change and which record their own entry.
        IF changes = '{}'::jsonb OR (kind = 'employee' AND changes - 'must_change_password' = '{}'::jsonb) THEN
            RETURN NULL;
        END IF;
        action := CASE
            WHEN kind = 'client' AND changes ? 'sales_contact_id' THEN 'client.reassign'
            WHEN kind = 'contract' AND changes ? 'signed' THEN 'contract.sign'
            WHEN kind = 'contract' AND changes ? 'sales_contact_id' THEN 'contract.reassign'
            -- (Fields through the documents: a record's fields are
            -- resolved at run time, and NEW of another table has none.)
            WHEN kind = 'contract' AND changes - 'amount_due' = '{}'::jsonb
                 AND (after->>'amount_due')::numeric < (before->>'amount_due')::numeric THEN 'contract.payment'
            WHEN kind = 'event' AND changes ? 'support_contact_id' AND after->'support_contact_id' = 'null'::jsonb
                THEN 'event.unassign_support'
            WHEN kind = 'event' AND changes ? 'support_contact_id' THEN 'event.assign_support'
            WHEN kind = 'employee' AND changes ? 'active' AND after->'active' = 'false'::jsonb
                THEN 'employee.deactivate'
            WHEN kind = 'employee' AND changes ? 'active' THEN 'employee.reactivate'
            ELSE kind || '.update' END;
    END IF;
    PERFORM crm_audit_write(actor_id, coalesce(crm_employee_name(actor_id), 'database role ' || session_user),
                            action, kind, record_id, changes);
    RETURN NULL;
END $$;

CREATE TRIGGER clients_guard BEFORE UPDATE ON clients FOR EACH ROW EXECUTE FUNCTION crm_guard_client();
CREATE TRIGGER contracts_guard BEFORE INSERT OR UPDATE ON contracts FOR EACH ROW EXECUTE FUNCTION crm_guard_contract();
CREATE TRIGGER events_guard BEFORE UPDATE ON events FOR EACH ROW EXECUTE FUNCTION crm_guard_event();
CREATE TRIGGER employees_guard BEFORE UPDATE OR DELETE ON employees FOR EACH ROW EXECUTE FUNCTION crm_guard_employee();
CREATE TRIGGER employees_end_sessions AFTER UPDATE OF active ON employees
    FOR EACH ROW WHEN (OLD.active AND NOT NEW.active) EXECUTE FUNCTION crm_end_sessions_of_deactivated();
CREATE TRIGGER employees_audit AFTER INSERT OR UPDATE OR DELETE ON employees
    FOR EACH ROW EXECUTE FUNCTION crm_audit_row('employee');
CREATE TRIGGER clients_audit AFTER INSERT OR UPDATE OR DELETE ON clients
    FOR EACH ROW EXECUTE FUNCTION crm_audit_row('client');
CREATE TRIGGER contracts_audit AFTER INSERT OR UPDATE OR DELETE ON contracts
    FOR EACH ROW EXECUTE FUNCTION crm_audit_row('contract');
CREATE TRIGGER events_audit AFTER INSERT OR UPDATE OR DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION crm_audit_row('event');

-- The dashboard's running totals are written by their triggers alone.
ALTER FUNCTION crm_contract_totals() SECURITY DEFINER SET search_path = {{schema}}, pg_temp;
ALTER FUNCTION crm_event_days() SECURITY DEFINER SET search_path = {{schema}}, pg_temp;

-- ---------------------------------------------------------------------
-- Row-level security on every table, forced so the owner's own policy is
-- the only way past it.  Policies for everyone else need a valid session.
-- ---------------------------------------------------------------------
DO $$
DECLARE
    t text;
BEGIN
    FOR t IN SELECT c.relname FROM pg_class c
             WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p')
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY owner_all ON %I TO {{owner}} USING (true) WITH CHECK (true)', t);
    END LOOP;
END $$;

CREATE POLICY employees_read ON departments FOR SELECT USING ((SELECT crm_session_valid()));
CREATE POLICY employees_read ON employees FOR SELECT USING ((SELECT crm_session_valid()));
CREATE POLICY management_updates ON employees FOR UPDATE
    USING ((SELECT crm_session_in(1))) WITH CHECK ((SELECT crm_session_in(1)));
CREATE POLICY management_deletes ON employees FOR DELETE USING (crm_may_delete_employee((SELECT crm_session()), id));

CREATE POLICY employees_read ON clients FOR SELECT USING ((SELECT crm_session_valid()));
CREATE POLICY sales_create_their_own ON clients FOR INSERT
    WITH CHECK (crm_is((SELECT crm_session()), 2, sales_contact_id));
CREATE POLICY management_or_own_sales_update ON clients FOR UPDATE
    USING (crm_manages_or_sells((SELECT crm_session()), sales_contact_id))
    WITH CHECK (crm_manages_or_sells((SELECT crm_session()), sales_contact_id));

CREATE POLICY employees_read ON contracts FOR SELECT USING ((SELECT crm_session_valid()));
CREATE POLICY management_creates ON contracts FOR INSERT WITH CHECK ((SELECT crm_session_in(1)));
CREATE POLICY management_or_own_sales_update ON contracts FOR UPDATE
    USING (crm_manages_or_sells((SELECT crm_session()), sales_contact_id))
    WITH CHECK (crm_manages_or_sells((SELECT crm_session()), sales_contact_id));
CREATE POLICY management_deletes_unsigned ON contracts FOR DELETE
    USING ((SELECT crm_session_in(1)) AND NOT signed);

CREATE POLICY employees_read ON events FOR SELECT USING ((SELECT crm_session_valid()));
CREATE POLICY sales_create_for_signed_contracts ON events FOR INSERT
    WITH CHECK (crm_may_create_event(contract_id, support_contact_id));
CREATE POLICY management_or_support_update ON events FOR UPDATE
    USING (crm_manages_or_supports((SELECT crm_session()), support_contact_id))
    WITH CHECK (crm_manages_or_supports((SELECT crm_session()), support_contact_id));

CREATE POLICY management_reads ON audit_entries FOR SELECT USING ((SELECT crm_session_in(1)));

CREATE POLICY recipient_reads ON notifications FOR SELECT
    USING (recipient_id = (SELECT crm_session_employee()));
CREATE POLICY employees_notify ON notifications FOR INSERT WITH CHECK ((SELECT crm_session_valid()));
CREATE POLICY recipient_marks_read ON notifications FOR UPDATE
    USING (recipient_id = (SELECT crm_session_employee()))
    WITH CHECK (recipient_id = (SELECT crm_session_employee()));

CREATE POLICY employees_read ON contract_totals FOR SELECT USING ((SELECT crm_session_valid()));
CREATE POLICY employees_read ON event_days FOR SELECT USING ((SELECT crm_session_valid()));

-- ---------------------------------------------------------------------
-- Privileges: nothing for PUBLIC; the app role gets exactly what the
-- policies above filter (crm_grant_app, called by the migration when it
-- knows the app role, and by `epic-crm db init-roles`).
-- ---------------------------------------------------------------------
DO $$
DECLARE
    f regprocedure;
BEGIN
    REVOKE ALL ON ALL TABLES IN SCHEMA {{schema}} FROM PUBLIC;
    REVOKE ALL ON ALL SEQUENCES IN SCHEMA {{schema}} FROM PUBLIC;
    FOR f IN SELECT p.oid::regprocedure FROM pg_proc p
             WHERE p.pronamespace = current_schema()::regnamespace
               AND NOT EXISTS (SELECT 1 FROM pg_depend d
                               WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
    LOOP
        EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', f);
    END LOOP;
END $$;
REVOKE ALL ON TYPE crm_actor FROM PUBLIC;

CREATE FUNCTION crm_grant_app(app name) RETURNS void
    LANGUAGE plpgsql VOLATILE SET search_path = {{schema}}, pg_temp AS $$
BEGIN
    EXECUTE format('GRANT USAGE ON SCHEMA {{schema}} TO %I', app);
    EXECUTE format('GRANT USAGE ON TYPE crm_actor TO %I', app);
    EXECUTE format('GRANT SELECT ON departments, employees, clients, contracts, events, audit_entries, notifications, '
                   'contract_totals, event_days, seaql_migrations TO %I', app);
    EXECUTE format('GRANT UPDATE (first_name, last_name, email, phone, department_id, active, deactivated_at, '
                   'updated_at, version), DELETE ON employees TO %I', app);
    EXECUTE format('GRANT INSERT (first_name, last_name, email, phone, company_name, sales_contact_id, created_at, '
                   'updated_at, last_contact_at, version), UPDATE (first_name, last_name, email, phone, company_name, '
                   'sales_contact_id, updated_at, last_contact_at, version) ON clients TO %I', app);
    EXECUTE format('GRANT INSERT (client_id, sales_contact_id, total_cents, due_cents, signed, signed_at, signed_by_id, '
                   'created_at, updated_at, version), UPDATE (sales_contact_id, total_cents, due_cents, signed, '
                   'signed_at, signed_by_id, updated_at, version), DELETE ON contracts TO %I', app);
    EXECUTE format('GRANT INSERT (name, contract_id, support_contact_id, start_at, end_at, location, attendees, notes, '
                   'created_at, updated_at, version), UPDATE (name, support_contact_id, start_at, end_at, location, '
                   'attendees, notes, updated_at, version) ON events TO %I', app);
    EXECUTE format('GRANT INSERT (recipient_id, at, kind, record_kind, record_id, message), UPDATE (read_at) '
                   'ON notifications TO %I', app);
    EXECUTE format('GRANT EXECUTE ON FUNCTION crm_session(), crm_login_begin(text), crm_login(bigint, bytea, integer), '
                   'crm_refresh(text, integer), crm_verify(text), crm_logout(text), '
                   'crm_change_password(bigint, bytea, bytea, integer, integer, integer, bytea), crm_has_employees(), '
                   'crm_bootstrap(text, text, text, text, bytea, integer, integer, integer, bytea), '
                   'crm_create_employee(text, text, text, text, integer, bytea, integer, integer, integer, bytea), '
                   'crm_reset_password(bigint, bytea, integer, integer, integer, bytea), crm_unlock(bigint), '
                   'crm_session_valid(), crm_session_in(integer), crm_session_employee(), crm_is(crm_actor, integer, bigint), '
                   'crm_manages_or_sells(crm_actor, bigint), crm_manages_or_supports(crm_actor, bigint), '
                   'crm_may_create_event(bigint, bigint), crm_may_delete_employee(crm_actor, bigint), '
                   'crm_search_fold(text) TO %I', app);
END $$;
REVOKE ALL ON FUNCTION crm_grant_app(name) FROM PUBLIC;

-- The migration table is read by `epic-crm doctor` to tell whether the
-- schema is current: names of migrations are no secret.
CREATE POLICY anyone_reads ON seaql_migrations FOR SELECT USING (true);
