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

CREATE FUNCTION crm_contract_totals() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE contract_totals SET
            contracts = contracts - 1,
            unsigned = unsigned - (CASE WHEN OLD.signed THEN 0 ELSE 1 END),
            unpaid = unpaid - (CASE WHEN OLD.due_cents > 0 THEN 1 ELSE 0 END),
            signed_cents = signed_cents - (CASE WHEN OLD.signed THEN OLD.total_cents ELSE 0 END),
            unsigned_cents = unsigned_cents - (CASE WHEN OLD.signed THEN 0 ELSE OLD.total_cents END),
            outstanding_cents = outstanding_cents - OLD.due_cents
        WHERE sales_contact_id = coalesce(OLD.sales_contact_id, 0);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO contract_totals AS t
            (sales_contact_id, contracts, unsigned, unpaid, signed_cents, unsigned_cents, outstanding_cents)
        VALUES (coalesce(NEW.sales_contact_id, 0), 1,
                CASE WHEN NEW.signed THEN 0 ELSE 1 END, CASE WHEN NEW.due_cents > 0 THEN 1 ELSE 0 END,
                CASE WHEN NEW.signed THEN NEW.total_cents ELSE 0 END, CASE WHEN NEW.signed THEN 0 ELSE NEW.total_cents END,
                NEW.due_cents)
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

CREATE TRIGGER contracts_totals AFTER INSERT OR DELETE OR UPDATE OF sales_contact_id, signed, total_cents, due_cents
    ON contracts FOR EACH ROW EXECUTE FUNCTION crm_contract_totals();

CREATE FUNCTION crm_event_days() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE event_days SET
            events = events - 1,
            without_support = without_support - (CASE WHEN OLD.support_contact_id IS NULL THEN 1 ELSE 0 END)
        WHERE day = OLD.start_at / 86400000;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO event_days AS d (day, events, without_support)
        VALUES (NEW.start_at / 86400000, 1, CASE WHEN NEW.support_contact_id IS NULL THEN 1 ELSE 0 END)
        ON CONFLICT (day) DO UPDATE SET
            events = d.events + EXCLUDED.events,
            without_support = d.without_support + EXCLUDED.without_support;
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER events_days AFTER INSERT OR DELETE OR UPDATE OF start_at, support_contact_id
    ON events FOR EACH ROW EXECUTE FUNCTION crm_event_days();
