DROP FUNCTION crm_grant_app(name);
ALTER FUNCTION crm_grant_app_0005(name) RENAME TO crm_grant_app;
DROP FUNCTION crm_client_ids_by_email(text[]);
