-- Epic Events CRM, initial schema for SQLite.
-- SQLite cannot add constraints later, so every rule the database must
-- enforce is here from the start.  Times are UTC epoch milliseconds and money
-- is integer cents (see docs/decisions/0001-storage-types.md).

CREATE TABLE departments (
    id   INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE CHECK (code IN ('MANAGEMENT', 'SALES', 'SUPPORT')),
    name TEXT NOT NULL
) STRICT;

INSERT INTO departments (id, code, name) VALUES
    (1, 'MANAGEMENT', 'Management'),
    (2, 'SALES', 'Sales'),
    (3, 'SUPPORT', 'Support');

CREATE TABLE employees (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    first_name           TEXT NOT NULL CHECK (length(first_name) BETWEEN 1 AND 100),
    last_name            TEXT NOT NULL CHECK (length(last_name) BETWEEN 1 AND 100),
    email                TEXT NOT NULL CHECK (length(email) BETWEEN 3 AND 254),
    phone                TEXT CHECK (phone IS NULL OR length(phone) BETWEEN 1 AND 40),
    department_id        INTEGER NOT NULL REFERENCES departments (id),
    active               INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    deactivated_at       INTEGER,
    must_change_password INTEGER NOT NULL DEFAULT 0 CHECK (must_change_password IN (0, 1)),
    created_at           INTEGER NOT NULL,
    updated_at           INTEGER NOT NULL,
    version              INTEGER NOT NULL DEFAULT 1 CHECK (version >= 1),
    CHECK ((active = 1) = (deactivated_at IS NULL))
) STRICT;
-- Also serves sorting by email (case-insensitively).
CREATE UNIQUE INDEX employees_email_key ON employees (lower(email));
CREATE INDEX employees_department_idx ON employees (department_id, id);
CREATE INDEX employees_last_name_idx ON employees (last_name, id);
CREATE INDEX employees_first_name_idx ON employees (first_name, id);
CREATE INDEX employees_created_at_idx ON employees (created_at, id);
CREATE INDEX employees_updated_at_idx ON employees (updated_at, id);
CREATE INDEX employees_inactive_idx ON employees (id) WHERE active = 0;

-- Password verifiers live apart from employees so that PostgreSQL can hide
-- them from the application role entirely.
CREATE TABLE credentials (
    employee_id   INTEGER PRIMARY KEY REFERENCES employees (id) ON DELETE CASCADE,
    password_hash TEXT NOT NULL CHECK (length(password_hash) BETWEEN 1 AND 512),
    updated_at    INTEGER NOT NULL
) STRICT;

CREATE TABLE clients (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    first_name       TEXT NOT NULL CHECK (length(first_name) BETWEEN 1 AND 100),
    last_name        TEXT NOT NULL CHECK (length(last_name) BETWEEN 1 AND 100),
    email            TEXT NOT NULL CHECK (length(email) BETWEEN 3 AND 254),
    phone            TEXT CHECK (phone IS NULL OR length(phone) BETWEEN 1 AND 40),
    company_name     TEXT CHECK (company_name IS NULL OR length(company_name) BETWEEN 1 AND 200),
    sales_contact_id INTEGER REFERENCES employees (id),
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    last_contact_at  INTEGER,
    version          INTEGER NOT NULL DEFAULT 1 CHECK (version >= 1)
) STRICT;
-- Also serves sorting by email (case-insensitively), with the rowid/id
-- breaking ties.
CREATE UNIQUE INDEX clients_email_key ON clients (lower(email));
-- Parent key of contracts' (client_id, sales_contact_id): a contract's sales
-- contact is always its client's, and reassigning the client cascades.
CREATE UNIQUE INDEX clients_id_sales_contact_key ON clients (id, sales_contact_id);
CREATE INDEX clients_sales_contact_idx ON clients (sales_contact_id, id);
CREATE INDEX clients_last_name_idx ON clients (last_name, id);
CREATE INDEX clients_company_name_idx ON clients (coalesce(company_name, ''), id);
CREATE INDEX clients_created_at_idx ON clients (created_at, id);
CREATE INDEX clients_last_contact_at_idx ON clients (coalesce(last_contact_at, 0), id);

CREATE TABLE contracts (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    client_id        INTEGER NOT NULL REFERENCES clients (id),
    sales_contact_id INTEGER REFERENCES employees (id),
    total_cents      INTEGER NOT NULL CHECK (total_cents BETWEEN 0 AND 99999999999),
    due_cents        INTEGER NOT NULL CHECK (due_cents >= 0 AND due_cents <= total_cents),
    signed           INTEGER NOT NULL DEFAULT 0 CHECK (signed IN (0, 1)),
    signed_at        INTEGER,
    signed_by_id     INTEGER REFERENCES employees (id),
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    version          INTEGER NOT NULL DEFAULT 1 CHECK (version >= 1),
    CHECK ((signed = 1) = (signed_at IS NOT NULL)),
    FOREIGN KEY (client_id, sales_contact_id)
        REFERENCES clients (id, sales_contact_id) ON UPDATE CASCADE
) STRICT;
CREATE INDEX contracts_client_idx ON contracts (client_id, sales_contact_id);
CREATE INDEX contracts_sales_contact_idx ON contracts (sales_contact_id, id);
CREATE INDEX contracts_signed_by_idx ON contracts (signed_by_id) WHERE signed_by_id IS NOT NULL;
CREATE INDEX contracts_total_idx ON contracts (total_cents, id);
CREATE INDEX contracts_due_idx ON contracts (due_cents, id);
CREATE INDEX contracts_created_at_idx ON contracts (created_at, id);
-- Unsigned contracts have no signing time; keying them by -id keeps them
-- distinct (one huge tie group would mislead the planner) and first.
CREATE INDEX contracts_signed_at_idx ON contracts (coalesce(signed_at, -id), id);

CREATE TABLE events (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    name               TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    contract_id        INTEGER NOT NULL REFERENCES contracts (id),
    support_contact_id INTEGER REFERENCES employees (id),
    start_at           INTEGER NOT NULL,
    end_at             INTEGER NOT NULL,
    location           TEXT CHECK (location IS NULL OR length(location) BETWEEN 1 AND 300),
    attendees          INTEGER NOT NULL DEFAULT 0 CHECK (attendees BETWEEN 0 AND 1000000),
    notes              TEXT CHECK (notes IS NULL OR length(notes) <= 10000),
    created_at         INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL,
    version            INTEGER NOT NULL DEFAULT 1 CHECK (version >= 1),
    CHECK (end_at >= start_at)
) STRICT;
CREATE INDEX events_contract_idx ON events (contract_id, id);
CREATE INDEX events_support_contact_idx ON events (support_contact_id, start_at, id);
CREATE INDEX events_name_idx ON events (name, id);
CREATE INDEX events_start_at_idx ON events (start_at, id);
CREATE INDEX events_location_idx ON events (coalesce(location, ''), id);
CREATE INDEX events_attendees_idx ON events (attendees, id);

-- Audit entries keep the actor's id and name as written, with no foreign
-- key: an audit entry never blocks deleting an employee.
CREATE TABLE audit_entries (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    at          INTEGER NOT NULL,
    actor_id    INTEGER,
    actor_name  TEXT NOT NULL,
    action      TEXT NOT NULL CHECK (length(action) BETWEEN 1 AND 64),
    record_kind TEXT NOT NULL CHECK (length(record_kind) BETWEEN 1 AND 32),
    record_id   INTEGER,
    changes     TEXT NOT NULL DEFAULT '{}'
) STRICT;
CREATE INDEX audit_entries_at_idx ON audit_entries (at, id);
CREATE INDEX audit_entries_record_idx ON audit_entries (record_kind, record_id, at);
CREATE INDEX audit_entries_actor_idx ON audit_entries (actor_id, at);

-- One row per refresh token; tokens of one login share a family.
CREATE TABLE sessions (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    family_id   TEXT NOT NULL CHECK (length(family_id) BETWEEN 16 AND 64),
    employee_id INTEGER NOT NULL REFERENCES employees (id) ON DELETE CASCADE,
    token_hash  TEXT NOT NULL UNIQUE,
    issued_at   INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    used_at     INTEGER,
    revoked_at  INTEGER,
    CHECK (expires_at >= issued_at)
) STRICT;
CREATE INDEX sessions_family_idx ON sessions (family_id);
CREATE INDEX sessions_employee_idx ON sessions (employee_id);

CREATE TABLE notifications (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    recipient_id INTEGER NOT NULL REFERENCES employees (id) ON DELETE CASCADE,
    at           INTEGER NOT NULL,
    kind         TEXT NOT NULL CHECK (length(kind) BETWEEN 1 AND 64),
    record_kind  TEXT NOT NULL CHECK (length(record_kind) BETWEEN 1 AND 32),
    record_id    INTEGER,
    message      TEXT NOT NULL CHECK (length(message) BETWEEN 1 AND 1000),
    read_at      INTEGER
) STRICT;
CREATE INDEX notifications_recipient_idx ON notifications (recipient_id, at, id);
CREATE INDEX notifications_unread_idx ON notifications (recipient_id, id) WHERE read_at IS NULL;

-- Free-text search: FTS5 trigram indexes (any fragment of 3+ characters,
-- accents and case ignored) kept in step with their tables by triggers.
CREATE VIRTUAL TABLE clients_search USING fts5(
    first_name, last_name, email, phone, company_name,
    content = 'clients', content_rowid = 'id',
    tokenize = 'trigram remove_diacritics 1', columnsize = 0
);
CREATE TRIGGER clients_search_insert AFTER INSERT ON clients BEGIN
    INSERT INTO clients_search (rowid, first_name, last_name, email, phone, company_name)
    VALUES (new.id, new.first_name, new.last_name, new.email, new.phone, new.company_name);
END;
CREATE TRIGGER clients_search_delete AFTER DELETE ON clients BEGIN
    INSERT INTO clients_search (clients_search, rowid, first_name, last_name, email, phone, company_name)
    VALUES ('delete', old.id, old.first_name, old.last_name, old.email, old.phone, old.company_name);
END;
CREATE TRIGGER clients_search_update
AFTER UPDATE OF first_name, last_name, email, phone, company_name ON clients BEGIN
    INSERT INTO clients_search (clients_search, rowid, first_name, last_name, email, phone, company_name)
    VALUES ('delete', old.id, old.first_name, old.last_name, old.email, old.phone, old.company_name);
    INSERT INTO clients_search (rowid, first_name, last_name, email, phone, company_name)
    VALUES (new.id, new.first_name, new.last_name, new.email, new.phone, new.company_name);
END;

CREATE VIRTUAL TABLE events_search USING fts5(
    name, location, notes,
    content = 'events', content_rowid = 'id',
    tokenize = 'trigram remove_diacritics 1', columnsize = 0
);
CREATE TRIGGER events_search_insert AFTER INSERT ON events BEGIN
    INSERT INTO events_search (rowid, name, location, notes)
    VALUES (new.id, new.name, new.location, new.notes);
END;
CREATE TRIGGER events_search_delete AFTER DELETE ON events BEGIN
    INSERT INTO events_search (events_search, rowid, name, location, notes)
    VALUES ('delete', old.id, old.name, old.location, old.notes);
END;
CREATE TRIGGER events_search_update AFTER UPDATE OF name, location, notes ON events BEGIN
    INSERT INTO events_search (events_search, rowid, name, location, notes)
    VALUES ('delete', old.id, old.name, old.location, old.notes);
    INSERT INTO events_search (rowid, name, location, notes)
    VALUES (new.id, new.name, new.location, new.notes);
END;

CREATE VIRTUAL TABLE employees_search USING fts5(
    first_name, last_name, email, phone,
    content = 'employees', content_rowid = 'id',
    tokenize = 'trigram remove_diacritics 1', columnsize = 0
);
CREATE TRIGGER employees_search_insert AFTER INSERT ON employees BEGIN
    INSERT INTO employees_search (rowid, first_name, last_name, email, phone)
    VALUES (new.id, new.first_name, new.last_name, new.email, new.phone);
END;
CREATE TRIGGER employees_search_delete AFTER DELETE ON employees BEGIN
    INSERT INTO employees_search (employees_search, rowid, first_name, last_name, email, phone)
    VALUES ('delete', old.id, old.first_name, old.last_name, old.email, old.phone);
END;
CREATE TRIGGER employees_search_update
AFTER UPDATE OF first_name, last_name, email, phone ON employees BEGIN
    INSERT INTO employees_search (employees_search, rowid, first_name, last_name, email, phone)
    VALUES ('delete', old.id, old.first_name, old.last_name, old.email, old.phone);
    INSERT INTO employees_search (rowid, first_name, last_name, email, phone)
    VALUES (new.id, new.first_name, new.last_name, new.email, new.phone);
END;
