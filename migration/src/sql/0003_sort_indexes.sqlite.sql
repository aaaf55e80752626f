-- Every column of a list's own table that the terminal application shows
-- can be sorted both ways; the large tables get an index per new sort key
-- (expression and id, as the keyset pagination walks them).
CREATE INDEX clients_phone_idx ON clients (coalesce(phone, ''), id);
-- "My clients by phone": without it the planner walks every client of the
-- phone key shared by many (no phone) to find one salesperson's.
CREATE INDEX clients_sales_contact_phone_idx ON clients (sales_contact_id, coalesce(phone, ''), id);
CREATE INDEX contracts_state_idx ON contracts ((CASE WHEN signed THEN 1 ELSE 0 END), id);
CREATE INDEX events_end_at_idx ON events (end_at, id);
