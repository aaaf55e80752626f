-- Failed logins counted per email address, known or not, so that a lockout
-- reveals nothing about which addresses exist.  The address is kept only as
-- a SHA-256 of its lower-cased form: addresses people mistype are not
-- personal data the CRM needs to hold.
CREATE TABLE login_attempts (
    email_key       TEXT PRIMARY KEY CHECK (length(email_key) = 64),
    failures        INTEGER NOT NULL CHECK (failures >= 0),
    last_failure_at INTEGER NOT NULL,
    locked_until    INTEGER
) STRICT, WITHOUT ROWID;
