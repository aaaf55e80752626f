-- Running totals the home dashboard reads instead of scanning millions of
-- rows: contract figures per sales contact (0: contracts without one), and
-- events per UTC day (start_at / 86400000).  Kept by triggers; a bulk load
-- (which defers triggers) fills them itself.
CREATE TABLE contract_totals (
    sales_contact_id  INTEGER NOT NULL PRIMARY KEY,
    contracts         INTEGER NOT NULL DEFAULT 0,
    unsigned          INTEGER NOT NULL DEFAULT 0,
    unpaid            INTEGER NOT NULL DEFAULT 0,
    signed_cents      INTEGER NOT NULL DEFAULT 0,
    unsigned_cents    INTEGER NOT NULL DEFAULT 0,
    outstanding_cents INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE event_days (
    day             INTEGER NOT NULL PRIMARY KEY,
    events          INTEGER NOT NULL DEFAULT 0,
    without_support INTEGER NOT NULL DEFAULT 0
);

INSERT INTO contract_totals (sales_contact_id, contracts, unsigned, unpaid, signed_cents, unsigned_cents, outstanding_cents)
SELECT coalesce(sales_contact_id, 0), count(*),
       sum(CASE WHEN signed THEN 0 ELSE 1 END), sum(CASE WHEN due_cents > 0 THEN 1 ELSE 0 END),
       sum(CASE WHEN signed THEN total_cents ELSE 0 END), sum(CASE WHEN signed THEN 0 ELSE total_cents END),
       sum(due_cents)
FROM contracts GROUP BY coalesce(sales_contact_id, 0);

INSERT INTO event_days (day, events, without_support)
SELECT start_at / 86400000, count(*), sum(CASE WHEN support_contact_id IS NULL THEN 1 ELSE 0 END)
FROM events GROUP BY start_at / 86400000;

CREATE TRIGGER contracts_totals_insert AFTER INSERT ON contracts BEGIN
    INSERT INTO contract_totals (sales_contact_id, contracts, unsigned, unpaid, signed_cents, unsigned_cents, outstanding_cents)
    VALUES (coalesce(new.sales_contact_id, 0), 1,
            CASE WHEN new.signed THEN 0 ELSE 1 END, CASE WHEN new.due_cents > 0 THEN 1 ELSE 0 END,
            CASE WHEN new.signed THEN new.total_cents ELSE 0 END, CASE WHEN new.signed THEN 0 ELSE new.total_cents END,
            new.due_cents)
    ON CONFLICT (sales_contact_id) DO UPDATE SET
        contracts = contracts + excluded.contracts,
        unsigned = unsigned + excluded.unsigned,
        unpaid = unpaid + excluded.unpaid,
        signed_cents = signed_cents + excluded.signed_cents,
        unsigned_cents = unsigned_cents + excluded.unsigned_cents,
        outstanding_cents = outstanding_cents + excluded.outstanding_cents;
END;

CREATE TRIGGER contracts_totals_delete AFTER DELETE ON contracts BEGIN
    UPDATE contract_totals SET
        contracts = contracts - 1,
        unsigned = unsigned - (CASE WHEN old.signed THEN 0 ELSE 1 END),
        unpaid = unpaid - (CASE WHEN old.due_cents > 0 THEN 1 ELSE 0 END),
        signed_cents = signed_cents - (CASE WHEN old.signed THEN old.total_cents ELSE 0 END),
        unsigned_cents = unsigned_cents - (CASE WHEN old.signed THEN 0 ELSE old.total_cents END),
        outstanding_cents = outstanding_cents - old.due_cents
    WHERE sales_contact_id = coalesce(old.sales_contact_id, 0);
END;

CREATE TRIGGER contracts_totals_update AFTER UPDATE OF sales_contact_id, signed, total_cents, due_cents ON contracts BEGIN
    UPDATE contract_totals SET
        contracts = contracts - 1,
        unsigned = unsigned - (CASE WHEN old.signed THEN 0 ELSE 1 END),
        unpaid = unpaid - (CASE WHEN old.due_cents > 0 THEN 1 ELSE 0 END),
        signed_cents = signed_cents - (CASE WHEN old.signed THEN old.total_cents ELSE 0 END),
        unsigned_cents = unsigned_cents - (CASE WHEN old.signed THEN 0 ELSE old.total_cents END),
        outstanding_cents = outstanding_cents - old.due_cents
    WHERE sales_contact_id = coalesce(old.sales_contact_id, 0);
    INSERT INTO contract_totals (sales_contact_id, contracts, unsigned, unpaid, signed_cents, unsigned_cents, outstanding_cents)
    VALUES (coalesce(new.sales_contact_id, 0), 1,
            CASE WHEN new.signed THEN 0 ELSE 1 END, CASE WHEN new.due_cents > 0 THEN 1 ELSE 0 END,
            CASE WHEN new.signed THEN new.total_cents ELSE 0 END, CASE WHEN new.signed THEN 0 ELSE new.total_cents END,
            new.due_cents)
    ON CONFLICT (sales_contact_id) DO UPDATE SET
        contracts = contracts + excluded.contracts,
        unsigned = unsigned + excluded.unsigned,
        unpaid = unpaid + excluded.unpaid,
        signed_cents = signed_cents + excluded.signed_cents,
        unsigned_cents = unsigned_cents + excluded.unsigned_cents,
        outstanding_cents = outstanding_cents + excluded.outstanding_cents;
END;

CREATE TRIGGER events_days_insert AFTER INSERT ON events BEGIN
    INSERT INTO event_days (day, events, without_support)
    VALUES (new.start_at / 86400000, 1, CASE WHEN new.support_contact_id IS NULL THEN 1 ELSE 0 END)
    ON CONFLICT (day) DO UPDATE SET
        events = events + excluded.events,
        without_support = without_support + excluded.without_support;
END;

CREATE TRIGGER events_days_delete AFTER DELETE ON events BEGIN
    UPDATE event_days SET
        events = events - 1,
        without_support = without_support - (CASE WHEN old.support_contact_id IS NULL THEN 1 ELSE 0 END)
    WHERE day = old.start_at / 86400000;
END;

CREATE TRIGGER events_days_update AFTER UPDATE OF start_at, support_contact_id ON events BEGIN
    UPDATE event_days SET
        events = events - 1,
        without_support = without_support - (CASE WHEN old.support_contact_id IS NULL THEN 1 ELSE 0 END)
    WHERE day = old.start_at / 86400000;
    INSERT INTO event_days (day, events, without_support)
    VALUES (new.start_at / 86400000, 1, CASE WHEN new.support_contact_id IS NULL THEN 1 ELSE 0 END)
    ON CONFLICT (day) DO UPDATE SET
        events = events + excluded.events,
        without_support = without_support + excluded.without_support;
END;
