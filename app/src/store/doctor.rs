//! The checks behind `epic-crm doctor`: what the connected role is, and
//! whether the schema is as team mode needs it (SECURITY.md).  Everything
//! is read from the catalogs, which any role may read, so the checks run
//! as the application's own role, without a session.

use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectionTrait, FromQueryResult, Statement, Value};

use super::{Backend, Store, StoreError};

/// One check: what was looked at, whether it holds, and how to fix it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Check {
    /// A few words naming the check.
    pub name: &'static str,
    /// Whether it holds.
    pub ok: bool,
    /// What was found.
    pub detail: String,
    /// What to do when it does not hold.
    pub fix: Option<String>,
}

impl Check {
    fn pass(name: &'static str, detail: impl Into<String>) -> Check {
        Check { name, ok: true, detail: detail.into(), fix: None }
    }

    fn fail(name: &'static str, detail: impl Into<String>, fix: impl Into<String>) -> Check {
        Check { name, ok: false, detail: detail.into(), fix: Some(fix.into()) }
    }
}

#[derive(FromQueryResult)]
struct Role {
    user_name: String,
    superuser: bool,
    bypass_rls: bool,
    create_db: bool,
    create_role: bool,
    search_path_schema: Option<String>,
    schema_owner: Option<String>,
    member_of_owner: bool,
    owns_objects: i64,
}

#[derive(FromQueryResult)]
struct Named {
    name: String,
}

async fn names(store: &Store, sql: &str, values: Vec<Value>) -> Result<Vec<String>, StoreError> {
    let rows =
        store.system().query_all_raw(Statement::from_sql_and_values(Backend::Postgres.sea(), sql, values)).await?;
    rows.iter().map(|row| Ok(Named::from_query_result(row, "")?.name)).collect()
}

fn listed(names: &[String]) -> String {
    const SHOWN: usize = 6;
    let mut text = names.iter().take(SHOWN).cloned().collect::<Vec<_>>().join(", ");
    if names.len() > SHOWN {
        text.push_str(&format!(" and {} more", names.len() - SHOWN));
    }
    text
}

/// The migrations this program knows that the database lacks, and those
/// it has that this program does not know (a newer version migrated it).
pub fn migration_gaps(applied: &[String]) -> (Vec<String>, Vec<String>) {
    let known: Vec<String> = Migrator::migrations().iter().map(|m| m.name().to_owned()).collect();
    let missing = known.iter().filter(|name| !applied.contains(name)).cloned().collect();
    let unknown = applied.iter().filter(|name| !known.contains(name)).cloned().collect();
    (missing, unknown)
}

/// The checks of a PostgreSQL database, as the connected role sees it.
pub async fn postgres_checks(store: &Store) -> Result<Vec<Check>, StoreError> {
    let schema = store.schema().unwrap_or(crate::config::DEFAULT_SCHEMA).to_owned();
    let mut checks = Vec::new();
    let role_sql = "SELECT current_user::text AS user_name, r.rolsuper AS superuser, r.rolbypassrls AS bypass_rls, \
        r.rolcreatedb AS create_db, r.rolcreaterole AS create_role, current_schema()::text AS search_path_schema, \
        (SELECT pg_get_userbyid(nspowner)::text FROM pg_namespace WHERE nspname = $1) AS schema_owner, \
        coalesce((SELECT pg_has_role(current_user, nspowner, 'MEMBER') FROM pg_namespace WHERE nspname = $1), false) \
            AS member_of_owner, \
        (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
            WHERE n.nspname = $1 AND c.relowner = r.oid) AS owns_objects \
        FROM pg_roles r WHERE r.rolname = current_user";
    let row = store
        .system()
        .query_one_raw(Statement::from_sql_and_values(Backend::Postgres.sea(), role_sql, [schema.clone().into()]))
        .await?
        .ok_or_else(|| StoreError::Internal("the connected role is not in pg_roles".into()))?;
    let role = Role::from_query_result(&row, "")?;
    let user = role.user_name.clone();

    // Schema and search path.
    match (&role.schema_owner, &role.search_path_schema) {
        (None, _) => {
            checks.push(Check::fail(
                "schema",
                format!("schema {schema} does not exist"),
                "run `epic-crm --database ADMIN_URL db init-roles`, then `epic-crm --database MIGRATOR_URL db migrate`",
            ));
        }
        (Some(_), Some(current)) if current == &schema => {
            checks.push(Check::pass("schema", format!("schema {schema} exists and is the search path")));
        }
        (Some(_), current) => {
            checks.push(Check::fail(
                "schema",
                format!(
                    "the search path resolves to {}, not {schema}",
                    current.clone().unwrap_or_else(|| "nothing".into())
                ),
                format!("grant USAGE on schema {schema} to {user} (`epic-crm db init-roles` does)"),
            ));
        }
    }

    // The connected role.
    let mut powers = Vec::new();
    if role.superuser {
        powers.push("is a superuser".to_owned());
    }
    if role.bypass_rls {
        powers.push("bypasses row-level security".to_owned());
    }
    if role.create_db {
        powers.push("may create databases".to_owned());
    }
    if role.create_role {
        powers.push("may create roles".to_owned());
    }
    if role.member_of_owner {
        powers.push(format!(
            "is (or is a member of) the schema's owner {}",
            role.schema_owner.clone().unwrap_or_default()
        ));
    }
    if role.owns_objects > 0 {
        powers.push(format!("owns {} object(s) of schema {schema}", role.owns_objects));
    }
    if powers.is_empty() {
        checks.push(Check::pass(
            "role",
            format!("{user} is a plain login: no superuser, BYPASSRLS, CREATEDB or CREATEROLE, owns nothing"),
        ));
    } else {
        checks.push(Check::fail(
            "role",
            format!("{user} {}: anyone holding this connection could get past the policies", powers.join(", ")),
            "connect the CRM as the app role `epic-crm db init-roles` created (its URL was printed then; `--reset-passwords` prints a new one)",
        ));
    }

    // Row-level security on every table.
    let tables = names(
        store,
        "SELECT c.relname::text AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') ORDER BY 1",
        vec![schema.clone().into()],
    )
    .await?;
    let unprotected = names(
        store,
        "SELECT c.relname::text AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND NOT (c.relrowsecurity AND c.relforcerowsecurity) \
         ORDER BY 1",
        vec![schema.clone().into()],
    )
    .await?;
    if tables.is_empty() {
        checks.push(Check::fail(
            "row-level security",
            format!("schema {schema} has no tables"),
            "run `epic-crm --database MIGRATOR_URL db migrate`",
        ));
    } else if unprotected.is_empty() {
        checks.push(Check::pass("row-level security", format!("enabled and forced on all {} tables", tables.len())));
    } else {
        let fix = unprotected
            .iter()
            .map(|table| format!("ALTER TABLE {schema}.{table} ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;"))
            .collect::<Vec<_>>()
            .join(" ");
        checks.push(Check::fail(
            "row-level security",
            format!("not enabled and forced on {}", listed(&unprotected)),
            format!("as the owner: {fix}"),
        ));
    }

    // PUBLIC's privileges.
    let public = names(
        store,
        "SELECT kind || ' ' || name AS name FROM ( \
           SELECT 'schema' AS kind, n.nspname::text AS name FROM pg_namespace n, aclexplode(n.nspacl) a \
             WHERE n.nspname = $1 AND a.grantee = 0 \
           UNION SELECT 'table', c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace, \
             aclexplode(c.relacl) a WHERE n.nspname = $1 AND a.grantee = 0 \
           UNION SELECT 'function', p.oid::regprocedure::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace \
             WHERE n.nspname = $1 AND (p.proacl IS NULL OR EXISTS (SELECT 1 FROM aclexplode(p.proacl) a WHERE a.grantee = 0)) \
               AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e') \
           UNION SELECT 'database', d.datname::text FROM pg_database d \
             WHERE d.datname = current_database() AND (d.datacl IS NULL OR EXISTS ( \
               SELECT 1 FROM aclexplode(d.datacl) a WHERE a.grantee = 0 AND a.privilege_type IN ('CONNECT', 'TEMPORARY'))) \
         ) stray ORDER BY 1",
        vec![schema.clone().into()],
    )
    .await?;
    if public.is_empty() {
        checks.push(Check::pass(
            "PUBLIC privileges",
            "PUBLIC has no privilege on the database, the schema or its objects",
        ));
    } else {
        checks.push(Check::fail(
            "PUBLIC privileges",
            format!("PUBLIC has privileges on {}", listed(&public)),
            "run `epic-crm --database ADMIN_URL db init-roles` again, then REVOKE ALL ... FROM PUBLIC on what is left",
        ));
    }

    // Checked functions: owned by the owner, search path pinned.
    let loose = names(
        store,
        "SELECT p.oid::regprocedure::text AS name FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace \
         WHERE n.nspname = $1 AND p.prosecdef AND (p.proowner <> n.nspowner \
           OR NOT coalesce(EXISTS (SELECT 1 FROM unnest(p.proconfig) c WHERE c LIKE 'search_path=%'), false)) \
         ORDER BY 1",
        vec![schema.clone().into()],
    )
    .await?;
    let views = names(
        store,
        "SELECT c.relname::text AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = $1 AND c.relkind = 'v' \
           AND NOT coalesce('security_invoker=true' = ANY (c.reloptions), false) ORDER BY 1",
        vec![schema.clone().into()],
    )
    .await?;
    if loose.is_empty() && views.is_empty() {
        checks.push(Check::pass(
            "checked functions",
            "every SECURITY DEFINER function is the owner's with a pinned search_path; views run as their invoker",
        ));
    } else {
        let mut found = Vec::new();
        if !loose.is_empty() {
            found.push(format!(
                "SECURITY DEFINER functions not owned by the owner or without a pinned search_path: {}",
                listed(&loose)
            ));
        }
        if !views.is_empty() {
            found.push(format!("views without security_invoker: {}", listed(&views)));
        }
        checks.push(Check::fail(
            "checked functions",
            found.join("; "),
            "as the owner: ALTER FUNCTION ... OWNER TO the owner SET search_path = the schema, pg_temp; ALTER VIEW ... SET (security_invoker = true)",
        ));
    }

    // Secrets out of the app role's reach.
    let readable = names(
        store,
        // CASE, not AND: has_table_privilege fails on a missing table, and
        // SQL does not promise to evaluate AND from the left.
        "SELECT t AS name FROM unnest(ARRAY['credentials', 'sessions', 'login_attempts', 'auth_settings']) t \
         WHERE CASE WHEN to_regclass(quote_ident($1) || '.' || t) IS NULL THEN false \
               ELSE has_table_privilege(current_user, quote_ident($1) || '.' || t, 'SELECT') END \
         UNION SELECT 'audit_entries (writable)' \
         WHERE CASE WHEN to_regclass(quote_ident($1) || '.audit_entries') IS NULL THEN false \
               ELSE has_table_privilege(current_user, quote_ident($1) || '.audit_entries', 'INSERT, UPDATE, DELETE') END",
        vec![schema.clone().into()],
    )
    .await?;
    if readable.is_empty() {
        checks.push(Check::pass(
            "secrets",
            format!("{user} cannot read credentials, sessions or the signing key, nor write the audit trail"),
        ));
    } else {
        let fix = if role.member_of_owner || role.superuser {
            "connect the CRM as the app role, not as the owner or an administrator".to_owned()
        } else {
            format!("as the owner: REVOKE ALL ON those tables FROM {user}")
        };
        checks.push(Check::fail("secrets", format!("{user} can reach {}", listed(&readable)), fix));
    }

    // Migrations.
    let applied = super::schema::applied_postgres(store).await?;
    let (missing, unknown) = migration_gaps(&applied);
    if !unknown.is_empty() {
        checks.push(Check::fail(
            "migrations",
            format!("the database has migrations this program does not know: {}", listed(&unknown)),
            "install the newer epic-crm that migrated it",
        ));
    } else if missing.is_empty() {
        checks.push(Check::pass("migrations", format!("all {} migrations applied", applied.len())));
    } else {
        checks.push(Check::fail(
            "migrations",
            format!("{} migration(s) pending: {}", missing.len(), listed(&missing)),
            "run `epic-crm --database MIGRATOR_URL db migrate`",
        ));
    }
    Ok(checks)
}
