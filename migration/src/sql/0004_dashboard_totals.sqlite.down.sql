DROP TRIGGER events_days_update;
DROP TRIGGER events_days_delete;
DROP TRIGGER events_days_insert;
DROP TRIGGER contracts_totals_update;
DROP TRIGGER contracts_totals_delete;
DROP TRIGGER contracts_totals_insert;
DROP TABLE event_days;
DROP TABLE contract_totals;
