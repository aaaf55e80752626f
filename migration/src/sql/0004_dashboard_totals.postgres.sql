-- Running totals the home dashboard reads instead of scanning millions of
-- rows: contract figures per sales contact (0: contracts without one), and
-- events per UTC day (start_at / 86400000).  Kept by triggers.
CREATE TABLE contract_totals (
    sales_contact_id  bigint PRIMARY KEY,
    contracts         bigint NOT NULL DEFAULT 0,
    unsigned          bigint NOT NULL DEFAULT 0,
    unpaid            bigint NOT NULL DEFAULT 0,
    signed_cents      bigint NOT NULL DEFAULT 0,
    unsigned_cents    bigint NOT NULL DEFAULT 0,
    outstanding_cents bigint NOT NULL DEFAULT 0
);

CREATE TABLE event_days (
    day             bigint PRIMARY KEY,
    events          bigint NOT NULL DEFAULT 0,
    without_support bigint NOT NULL DEFAULT 0
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

-- Statement-level triggers: each statement's rows (transition tables) are
-- summed per key and applied in key order, so two transactions moving
-- totals between the same keys in opposite directions lock the totals rows
-- in the same order and cannot deadlock (row-level triggers did: two
-- opposite client reassignments at once).
CREATE FUNCTION crm_contract_totals() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO contract_totals AS t
            (sales_contact_id, contracts, unsigned, unpaid, signed_cents, unsigned_cents, outstanding_cents)
        SELECT coalesce(sales_contact_id, 0), count(*),
               sum(CASE WHEN signed THEN 0 ELSE 1 END), sum(CASE WHEN due_cents > 0 THEN 1 ELSE 0 END),
               sum(CASE WHEN signed THEN total_cents ELSE 0 END), sum(CASE WHEN signed THEN 0 ELSE total_cents END),
               sum(due_cents)
        FROM new_rows GROUP BY 1 ORDER BY 1
        ON CONFLICT (sales_contact_id) DO UPDATE SET
            contracts = t.contracts + EXCLUDED.contracts,
            unsigned = t.unsigned + EXCLUDED.unsigned,
            unpaid = t.unpaid + EXCLUDED.unpaid,
            signed_cents = t.signed_cents + EXCLUDED.signed_cents,
            unsigned_cents = t.unsigned_cents + EXCLUDED.unsigned_cents,
            outstanding_cents = t.outstanding_cents + EXCLUDED.outstanding_cents;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO contract_totals AS t
            (sales_contact_id, contracts, unsigned, unpaid, signed_cents, unsigned_cents, outstanding_cents)
        SELECT coalesce(sales_contact_id, 0), -count(*),
               -sum(CASE WHEN signed THEN 0 ELSE 1 END), -sum(CASE WHEN due_cents > 0 THEN 1 ELSE 0 END),
               -sum(CASE WHEN signed THEN total_cents ELSE 0 END), -sum(CASE WHEN signed THEN 0 ELSE total_cents END),
               -sum(due_cents)
        FROM old_rows GROUP BY 1 ORDER BY 1
        ON CONFLICT (sales_contact_id) DO UPDATE SET
            contracts = t.contracts + EXCLUDED.contracts,
            unsigned = t.unsigned + EXCLUDED.unsigned,
            unpaid = t.unpaid + EXCLUDED.unpaid,
            signed_cents = t.signed_cents + EXCLUDED.signed_cents,
            unsigned_cents = t.unsigned_cents + EXCLUDED.unsigned_cents,
            outstanding_cents = t.outstanding_cents + EXCLUDED.outstanding_cents;
    ELSE
        INSERT INTO contract_totals AS t
            (sales_contact_id, contracts, unsigned, unpaid, signed_cents, unsigned_cents, outstanding_cents)
        SELECT k, sum(n), sum(u), sum(p), sum(sc), sum(uc), sum(o)
        FROM (
            SELECT coalesce(sales_contact_id, 0) AS k, -1 AS n,
                   -(CASE WHEN signed THEN 0 ELSE 1 END) AS u, -(CASE WHEN due_cents > 0 THEN 1 ELSE 0 END) AS p,
                   -(CASE WHEN signed THEN total_cents ELSE 0 END) AS sc, -(CASE WHEN signed THEN 0 ELSE total_cents END) AS uc,
                   -due_cents AS o
            FROM old_rows
            UNION ALL
            SELECT coalesce(sales_contact_id, 0), 1,
                   CASE WHEN signed THEN 0 ELSE 1 END, CASE WHEN due_cents > 0 THEN 1 ELSE 0 END,
                   CASE WHEN signed THEN total_cents ELSE 0 END, CASE WHEN signed THEN 0 ELSE total_cents END,
                   due_cents
            FROM new_rows
        ) AS changes
        GROUP BY k
        -- Updates that move nothing (a version bump) lock nothing.
        HAVING sum(n) <> 0 OR sum(u) <> 0 OR sum(p) <> 0 OR sum(sc) <> 0 OR sum(uc) <> 0 OR sum(o) <> 0
        ORDER BY k
        ON CONFLICT (sales_contact_id) DO UPDATE SET
            contracts = t.contracts + EXCLUDED.contracts,
            unsigned = t.unsigned + EXCLUDED.unsigned,
            unpaid = t.unpaid + EXCLUDED.unpaid,
            signed_cents = t.signed_cents + EXCLUDED.signed_cents,
            unsigned_cents = t.unsigned_cents + EXCLUDED.unsigned_cents,
            outstanding_cents = t.outstanding_cents + EXCLUDED.outstanding_cents;
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER contracts_totals_insert AFTER INSERT ON contracts
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION crm_contract_totals();
CREATE TRIGGER contracts_totals_update AFTER UPDATE ON contracts
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION crm_contract_totals();
CREATE TRIGGER contracts_totals_delete AFTER DELETE ON contracts
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION crm_contract_totals();

CREATE FUNCTION crm_event_days() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO event_days AS d (day, events, without_support)
        SELECT start_at / 86400000, count(*), sum(CASE WHEN support_contact_id IS NULL THEN 1 ELSE 0 END)
        FROM new_rows GROUP BY 1 ORDER BY 1
        ON CONFLICT (day) DO UPDATE SET
            events = d.events + EXCLUDED.events,
            without_support = d.without_support + EXCLUDED.without_support;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO event_days AS d (day, events, without_support)
        SELECT start_at / 86400000, -count(*), -sum(CASE WHEN support_contact_id IS NULL THEN 1 ELSE 0 END)
        FROM old_rows GROUP BY 1 ORDER BY 1
        ON CONFLICT (day) DO UPDATE SET
            events = d.events + EXCLUDED.events,
            without_support = d.without_support + EXCLUDED.without_support;
    ELSE
        INSERT INTO event_days AS d (day, events, without_support)
        SELECT day, sum(n), sum(w)
        FROM (
            SELECT start_at / 86400000 AS day, -1 AS n, -(CASE WHEN support_contact_id IS NULL THEN 1 ELSE 0 END) AS w
            FROM old_rows
            UNION ALL
            SELECT start_at / 86400000, 1, CASE WHEN support_contact_id IS NULL THEN 1 ELSE 0 END
            FROM new_rows
        ) AS changes
        GROUP BY day
        HAVING sum(n) <> 0 OR sum(w) <> 0
        ORDER BY day
        ON CONFLICT (day) DO UPDATE SET
            events = d.events + EXCLUDED.events,
            without_support = d.without_support + EXCLUDED.without_support;
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER events_days_insert AFTER INSERT ON events
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION crm_event_days();
CREATE TRIGGER events_days_update AFTER UPDATE ON events
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION crm_event_days();
CREATE TRIGGER events_days_delete AFTER DELETE ON events
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION crm_event_days();
