DROP FUNCTION crm_grant_app(name);
ALTER FUNCTION crm_grant_app_0006(name) RENAME TO crm_grant_app;
DROP FUNCTION crm_import_clients(bigint, jsonb, bigint);
