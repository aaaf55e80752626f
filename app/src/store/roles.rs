//! PostgreSQL team mode's roles (SECURITY.md): an owner that owns the
//! schema and everything in it and cannot log in, a migrator that becomes
//! the owner to run migrations, and the application's role, which owns
//! nothing and may do only what the policies let each employee do.  Run
//! with an administrator's connection (a superuser, or a role with
//! CREATEROLE that owns the database); every step can be run again.

use rand::TryRngCore;
use rand::rngs::OsRng;
use sea_orm::{ConnectionTrait, DatabaseTransaction, Statement, TransactionTrait, Value};

use super::{Backend, Store, StoreError};

/// The names `init_roles` works with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoleNames {
    /// Owns the schema and every object in it; cannot log in.
    pub owner: String,
    /// Logs in to run migrations (and demo seeding) as the owner.
    pub migrator: String,
    /// The application's login: owns nothing, no DDL.
    pub app: String,
    /// The schema the CRM lives in.
    pub schema: String,
}

/// What `init_roles` did, and the passwords of the login roles it created
/// or was asked to reset (shown once; never kept).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct RolesReport {
    /// One sentence per step.
    pub steps: Vec<String>,
    /// The migrator's new password, when it was set now.
    pub migrator_password: Option<String>,
    /// The app role's new password, when it was set now.
    pub app_password: Option<String>,
}

impl std::fmt::Debug for RolesReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RolesReport").field("steps", &self.steps).finish_non_exhaustive()
    }
}

/// A password for a new login role: 32 letters and digits (about 190
/// bits), safe inside an SQL literal.
fn new_password() -> Result<String, StoreError> {
    const ALPHABET: &[u8] = b"abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut bytes = [0u8; 32];
    OsRng.try_fill_bytes(&mut bytes).map_err(|err| StoreError::Internal(format!("random password: {err}")))?;
    Ok(bytes.iter().map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char).collect())
}

struct Admin<'a> {
    tx: &'a DatabaseTransaction,
}

impl Admin<'_> {
    async fn run(&self, sql: &str) -> Result<(), StoreError> {
        self.tx.execute_unprepared(sql).await?;
        Ok(())
    }

    async fn flag(&self, sql: &str, values: Vec<Value>) -> Result<bool, StoreError> {
        let row = self.tx.query_one_raw(Statement::from_sql_and_values(Backend::Postgres.sea(), sql, values)).await?;
        Ok(match row {
            Some(row) => row.try_get::<bool>("", "value")?,
            None => false,
        })
    }

    async fn text(&self, sql: &str, values: Vec<Value>) -> Result<Option<String>, StoreError> {
        let row = self.tx.query_one_raw(Statement::from_sql_and_values(Backend::Postgres.sea(), sql, values)).await?;
        Ok(match row {
            Some(row) => row.try_get::<Option<String>>("", "value")?,
            None => None,
        })
    }

    async fn role_exists(&self, name: &str) -> Result<bool, StoreError> {
        self.flag("SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1) AS value", vec![name.into()]).await
    }

    /// Creates the role with `attributes` and no special powers, or sets
    /// them on the existing role; true when it existed.
    async fn ensure_role(&self, name: &str, attributes: &str) -> Result<bool, StoreError> {
        let existed = self.role_exists(name).await?;
        let verb = if existed { "ALTER" } else { "CREATE" };
        self.run(&format!("{verb} ROLE \"{name}\" {attributes} {LIMITS}")).await?;
        Ok(existed)
    }

    /// Gives a login role a new password (returned, to show once) unless
    /// `keep`.
    async fn new_password_unless(
        &self,
        name: &str,
        keep: bool,
        steps: &mut Vec<String>,
    ) -> Result<Option<String>, StoreError> {
        if keep {
            return Ok(None);
        }
        let password = new_password()?;
        self.run(&format!("ALTER ROLE \"{name}\" PASSWORD '{password}'")).await?;
        steps.push(format!("set a new password for {name}"));
        Ok(Some(password))
    }

    async fn member_of(&self, member: &str, role: &str) -> Result<bool, StoreError> {
        self.flag(
            "SELECT EXISTS (SELECT 1 FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid \
             JOIN pg_roles u ON u.oid = m.member WHERE r.rolname = $1 AND u.rolname = $2) AS value",
            vec![role.into(), member.into()],
        )
        .await
    }
}

/// A role name usable without quotes, as `init-roles` accepts them.
pub fn valid_role(name: &str) -> bool {
    crate::config::valid_schema(name) && !name.starts_with("pg_")
}

const LIMITS: &str = "NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS NOREPLICATION";

/// Creates or corrects the three roles, the schema, the extensions the
/// CRM needs, and the privileges around them, in one transaction.
pub async fn init_roles(store: &Store, names: &RoleNames, reset_passwords: bool) -> Result<RolesReport, StoreError> {
    if store.backend() != Backend::Postgres {
        return Err(StoreError::Invalid(
            "db init-roles is for PostgreSQL: the embedded SQLite database has no roles (its file is the trust boundary)"
                .into(),
        ));
    }
    let tx = store.system().begin().await?;
    let admin = Admin { tx: &tx };
    let mut report = RolesReport::default();
    let RoleNames { owner, migrator, app, schema } = names;

    let superuser = admin.flag("SELECT rolsuper AS value FROM pg_roles WHERE rolname = current_user", vec![]).await?;
    let createrole =
        admin.flag("SELECT rolcreaterole AS value FROM pg_roles WHERE rolname = current_user", vec![]).await?;
    if !superuser && !createrole {
        return Err(StoreError::Forbidden(
            "db init-roles needs an administrator's connection: a superuser, or a role with CREATEROLE that owns the database".into(),
        ));
    }
    let database = admin.text("SELECT current_database()::text AS value", vec![]).await?.unwrap_or_default();
    let me = admin.text("SELECT current_user::text AS value", vec![]).await?.unwrap_or_default();
    for name in [owner, migrator, app] {
        if name == &me {
            return Err(StoreError::Invalid(format!(
                "{name} is the administrator running this command: choose other role names with --owner, --migrator and --app"
            )));
        }
    }

    // The owner.
    if admin.ensure_role(owner, "NOLOGIN").await? {
        report.steps.push(format!(
            "role {owner} exists: kept it NOLOGIN, without superuser, CREATEDB, CREATEROLE or BYPASSRLS"
        ));
    } else {
        report
            .steps
            .push(format!("created role {owner} (NOLOGIN): it will own schema {schema} and every object in it"));
    }
    // The administrator needs the owner's rights to set its default
    // privileges and to grant on its objects.
    if !superuser && !admin.member_of(&me, owner).await? {
        admin.run(&format!("GRANT \"{owner}\" TO \"{me}\"")).await?;
        report.steps.push(format!("granted {owner} to {me}, so that you can manage its privileges"));
    }

    // The migrator.
    let existed = admin.ensure_role(migrator, "LOGIN").await?;
    report.steps.push(if existed {
        format!("role {migrator} exists: kept it a plain login")
    } else {
        format!("created role {migrator} (LOGIN): runs migrations as {owner}")
    });
    let migrator_password = admin.new_password_unless(migrator, existed && !reset_passwords, &mut report.steps).await?;
    if !admin.member_of(migrator, owner).await? {
        admin.run(&format!("GRANT \"{owner}\" TO \"{migrator}\"")).await?;
        report.steps.push(format!("granted {owner} to {migrator}"));
    }

    // The application's role.
    let existed = admin.ensure_role(app, "LOGIN NOINHERIT").await?;
    report.steps.push(if existed {
        format!("role {app} exists: kept it a plain login without inherited rights")
    } else {
        format!("created role {app} (LOGIN): the CRM's users connect as it; it owns nothing")
    });
    let app_password = admin.new_password_unless(app, existed && !reset_passwords, &mut report.steps).await?;
    if admin.member_of(app, owner).await? || admin.member_of(app, migrator).await? {
        admin.run(&format!("REVOKE \"{owner}\" FROM \"{app}\"")).await?;
        admin.run(&format!("REVOKE \"{migrator}\" FROM \"{app}\"")).await?;
        report.steps.push(format!("{app} was a member of {owner} or {migrator}: revoked"));
    }

    // The database: nobody connects or makes temporary tables by default.
    admin.run(&format!("REVOKE ALL ON DATABASE \"{database}\" FROM PUBLIC")).await?;
    admin.run(&format!("GRANT CONNECT ON DATABASE \"{database}\" TO \"{migrator}\", \"{app}\"")).await?;
    admin.run("REVOKE CREATE ON SCHEMA public FROM PUBLIC").await?;
    report.steps.push(format!(
        "database {database}: PUBLIC may no longer connect or make temporary tables; {migrator} and {app} may connect; nobody but administrators creates objects in schema public"
    ));

    // The schema.
    let schema_owner = admin
        .text(
            "SELECT pg_get_userbyid(nspowner)::text AS value FROM pg_namespace WHERE nspname = $1",
            vec![schema.into()],
        )
        .await?;
    match schema_owner {
        None => {
            admin.run(&format!("CREATE SCHEMA \"{schema}\" AUTHORIZATION \"{owner}\"")).await?;
            report.steps.push(format!("created schema {schema}, owned by {owner}"));
        }
        Some(current) if &current == owner => {
            report.steps.push(format!("schema {schema} exists, owned by {owner}"));
        }
        Some(current) => {
            let objects = admin
                .flag(
                    "SELECT EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
                     WHERE n.nspname = $1) AS value",
                    vec![schema.into()],
                )
                .await?;
            if objects {
                return Err(StoreError::Invalid(format!(
                    "schema {schema} already holds tables owned by {current}: team mode needs them owned by {owner}. Use a new database (or another schema with ?schema=NAME), run init-roles, then migrate with the migrator's URL"
                )));
            }
            admin.run(&format!("ALTER SCHEMA \"{schema}\" OWNER TO \"{owner}\"")).await?;
            report.steps.push(format!("schema {schema} was empty and owned by {current}: now owned by {owner}"));
        }
    }
    admin.run(&format!("REVOKE ALL ON SCHEMA \"{schema}\" FROM PUBLIC")).await?;
    admin.run(&format!("GRANT USAGE ON SCHEMA \"{schema}\" TO \"{app}\"")).await?;
    report
        .steps
        .push(format!("schema {schema}: PUBLIC has no rights; {app} may use it (the migration grants it the rest)"));

    // The extensions, in the schema, so that functions with a pinned
    // search path find them.
    for extension in ["pg_trgm", "unaccent", "pgcrypto"] {
        let installed = admin
            .text(
                "SELECT n.nspname::text AS value FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace \
                 WHERE e.extname = $1",
                vec![extension.into()],
            )
            .await?;
        match installed {
            None => {
                admin.run(&format!("CREATE EXTENSION {extension} WITH SCHEMA \"{schema}\"")).await?;
                report.steps.push(format!("installed extension {extension} in schema {schema}"));
            }
            Some(place) if &place == schema => {
                report.steps.push(format!("extension {extension} is installed in schema {schema}"));
            }
            Some(place) if extension == "pgcrypto" => {
                // The migration finds pgcrypto wherever it is and names it.
                report.steps.push(format!("extension {extension} is installed in schema {place}"));
            }
            Some(place) => {
                return Err(StoreError::Invalid(format!(
                    "extension {extension} is installed in schema {place}, where the CRM's search path does not look: move it with ALTER EXTENSION {extension} SET SCHEMA {schema}, or use a new database"
                )));
            }
        }
    }

    // Role settings: each login starts in the schema; the migrator
    // becomes the owner as it connects, so what it creates is the owner's.
    admin.run(&format!("ALTER ROLE \"{app}\" IN DATABASE \"{database}\" SET search_path = \"{schema}\"")).await?;
    admin.run(&format!("ALTER ROLE \"{migrator}\" IN DATABASE \"{database}\" SET search_path = \"{schema}\"")).await?;
    admin.run(&format!("ALTER ROLE \"{migrator}\" IN DATABASE \"{database}\" SET role = \"{owner}\"")).await?;
    report.steps.push(format!(
        "in {database}: {app} and {migrator} search schema {schema} only; {migrator} acts as {owner} as soon as it connects"
    ));

    // What the owner creates later is nobody else's by default.
    admin
        .run(&format!("ALTER DEFAULT PRIVILEGES FOR ROLE \"{owner}\" REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC"))
        .await?;
    admin.run(&format!("ALTER DEFAULT PRIVILEGES FOR ROLE \"{owner}\" REVOKE USAGE ON TYPES FROM PUBLIC")).await?;
    report.steps.push(format!(
        "default privileges: functions and types {owner} creates are not executable or usable by PUBLIC"
    ));

    // A schema migrated already: give the (perhaps new) app role its
    // privileges now rather than at the next migration.
    let migrated = admin
        .flag(
            "SELECT EXISTS (SELECT 1 FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace \
             WHERE n.nspname = $1 AND p.proname = 'crm_grant_app') AS value",
            vec![schema.into()],
        )
        .await?;
    if migrated {
        admin.run(&format!("SET LOCAL ROLE \"{owner}\"")).await?;
        admin.run(&format!("SET LOCAL search_path = \"{schema}\"")).await?;
        tx.execute_raw(Statement::from_sql_and_values(
            Backend::Postgres.sea(),
            "SELECT crm_grant_app($1::name)",
            [app.as_str().into()],
        ))
        .await?;
        report.steps.push(format!("the schema is migrated already: granted {app} what the CRM's policies need"));
    } else {
        report.steps.push(format!("next: run `epic-crm db migrate` with {migrator}'s URL"));
    }
    tx.commit().await?;
    report.migrator_password = migrator_password;
    report.app_password = app_password;
    Ok(report)
}
