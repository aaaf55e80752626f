DROP TABLE IF EXISTS notifications, sessions, audit_entries, events, contracts,
    clients, credentials, employees, departments CASCADE;
DROP FUNCTION IF EXISTS crm_search_fold(text);
