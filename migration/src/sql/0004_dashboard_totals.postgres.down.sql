DROP TRIGGER events_days ON events;
DROP FUNCTION crm_event_days();
DROP TRIGGER contracts_totals ON contracts;
DROP FUNCTION crm_contract_totals();
DROP TABLE event_days;
DROP TABLE contract_totals;
