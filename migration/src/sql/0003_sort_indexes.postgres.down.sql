DROP INDEX events_end_at_idx;
DROP INDEX contracts_state_idx;
DROP INDEX clients_sales_contact_phone_idx;
DROP INDEX clients_phone_idx;
