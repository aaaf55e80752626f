-- Failed logins counted per email address, known or not, so that a lockout
-- reveals nothing about which addresses exist.  The address is kept only as
-- a SHA-256 of its lower-cased form: addresses people mistype are not
-- personal data the CRM needs to hold.
CREATE TABLE login_attempts (
    email_key       text COLLATE "C" PRIMARY KEY CHECK (length(email_key) = 64),
    failures        integer NOT NULL CHECK (failures >= 0),
    last_failure_at bigint NOT NULL,
    locked_until    bigint
);
