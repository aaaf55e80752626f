//! Sessions on this machine: logging in and out, the session behind every
//! command (refreshed silently when its access token has expired), password
//! changes, the first manager, and managers helping people back in.
//!
//! Tokens are kept per database in the secret store, so sessions on two
//! databases never mix; a lock file serialises refreshes, so the terminal
//! application and a command refreshing at the same moment do not look
//! like a stolen token.

use std::fs::File;
use std::path::PathBuf;
use std::sync::Arc;

use crate::auth::secrets::{self, SecretStore};
use crate::auth::tokens::{self, digest};
use crate::auth::{AuthError, DatabaseAuthority, LocalAuthority, Session, SessionAuthority, Tokens, password};
use crate::config::{AuthSettings, DatabaseTarget, Settings};
use crate::domain::time::{Clock, SystemClock};
use crate::domain::validation;
use crate::domain::{Department, Email, policy};
use crate::error::Failure;
use crate::store::employees::{EmployeeRow, NewEmployee};
use crate::store::{Backend, Store};

/// An employee to create, as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EmployeeForm {
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub phone: String,
    pub department: String,
}

impl EmployeeForm {
    /// The checked employee, or the first field that breaks a rule.
    pub fn validate(&self) -> Result<NewEmployee, Failure> {
        Ok(NewEmployee {
            first_name: validation::person_name("first name", &self.first_name)?,
            last_name: validation::person_name("last name", &self.last_name)?,
            email: validation::email(&self.email)?,
            phone: validation::phone(&self.phone)?,
            department: self.department.parse::<Department>().map_err(|err| {
                Failure::invalid(format!("The department is {}.", err.trim_start_matches("unknown department ")))
            })?,
            must_change_password: false,
        })
    }
}

/// An employee just created.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Created {
    /// The new employee.
    pub employee: EmployeeRow,
    /// The one-time password to hand over, when none was given.
    pub one_time_password: Option<String>,
    /// Whether this was the first employee of the database.
    pub first_employee: bool,
}

/// The accounts of one database, as seen from this machine.
pub struct Accounts {
    store: Store,
    authority: Arc<dyn SessionAuthority>,
    secrets: Arc<dyn SecretStore>,
    session_key: String,
    lock_path: PathBuf,
    clock: Arc<dyn Clock>,
    database: String,
}

impl Accounts {
    /// Opens the database and the token store the settings name.
    pub async fn open(target: &DatabaseTarget, settings: &Settings) -> Result<Accounts, Failure> {
        let store = super::database::open(target).await?;
        let state_dir = crate::config::state_dir()
            .ok_or_else(|| Failure::unexpected("Cannot find the state directory: set HOME or XDG_STATE_HOME."))?;
        let secrets = secrets::open(settings.auth.token_store, &state_dir).await?;
        Self::with(store, target, secrets, &settings.auth, Arc::new(SystemClock), state_dir).await
    }

    /// Accounts over an open store, with the given token store and clock.
    pub async fn with(
        store: Store,
        target: &DatabaseTarget,
        secrets: Arc<dyn SecretStore>,
        settings: &AuthSettings,
        clock: Arc<dyn Clock>,
        state_dir: PathBuf,
    ) -> Result<Accounts, Failure> {
        let locks = state_dir.join("locks");
        // SQLite: the application is the authority, with its own signing
        // key.  PostgreSQL: the database is (SECURITY.md), and no key is
        // kept on this machine.
        let authority: Arc<dyn SessionAuthority> = match store.backend() {
            Backend::Sqlite => Arc::new(
                LocalAuthority::open(
                    store.clone(),
                    secrets.as_ref(),
                    &locks.join("signing-key.lock"),
                    settings,
                    clock.clone(),
                )
                .await?,
            ),
            Backend::Postgres => Arc::new(DatabaseAuthority::new(store.clone(), settings)?),
        };
        let identity = database_identity(target);
        let session_key = format!("session-{}", &digest(&identity)[..32]);
        let lock_path = locks.join(format!("{session_key}.lock"));
        Ok(Accounts { store, authority, secrets, session_key, lock_path, clock, database: target.describe() })
    }

    /// The open database.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The database, as messages name it.
    pub fn database(&self) -> &str {
        &self.database
    }

    /// Where tokens are kept, for messages.
    pub fn token_store(&self) -> String {
        self.secrets.describe()
    }

    async fn load(&self) -> Result<Option<Tokens>, Failure> {
        match self.secrets.get(&self.session_key).await? {
            Some(text) => match serde_json::from_str::<Tokens>(&text) {
                Ok(tokens) => Ok(Some(tokens)),
                Err(_) => {
                    self.forget().await?;
                    Ok(None)
                }
            },
            None => Ok(None),
        }
    }

    async fn save(&self, tokens: &Tokens) -> Result<(), Failure> {
        let text = serde_json::to_string(tokens).map_err(|err| Failure::unexpected(err.to_string()))?;
        Ok(self.secrets.set(&self.session_key, &text).await?)
    }

    async fn forget(&self) -> Result<(), Failure> {
        Ok(self.secrets.delete(&self.session_key).await?)
    }

    /// Checks an email and password and keeps the new session's tokens.
    /// The session may still require a password change.
    pub async fn login(&self, email: &str, password: &str) -> Result<Session, Failure> {
        let tokens = self.authority.login(&Email::typed(email), password).await?;
        // A login replaces the session kept here: end the old one rather
        // than leave it live, unreachable, for days.
        if let Ok(Some(previous)) = self.load().await {
            let _ = self.authority.logout(&previous.refresh).await;
        }
        self.save(&tokens).await?;
        Ok(self.authority.verify(&tokens.access).await?)
    }

    /// The logged-in employee, for any command but `password` and `logout`:
    /// refuses while a password change is pending.
    pub async fn session(&self) -> Result<Session, Failure> {
        let session = self.session_allowing_password_change().await?;
        if session.must_change_password {
            return Err(AuthError::PasswordChangePending.into());
        }
        Ok(session)
    }

    /// The logged-in employee even when they must change their password.
    /// Refreshes the tokens first when the access token has expired.
    pub async fn session_allowing_password_change(&self) -> Result<Session, Failure> {
        let mut tokens = self.load().await?.ok_or(AuthError::NotLoggedIn)?;
        if self.expired(&tokens.access) {
            tokens = self.refresh(tokens).await?;
        }
        match self.authority.verify(&tokens.access).await {
            Ok(session) => Ok(session),
            Err(err @ (AuthError::SessionEnded(_) | AuthError::Deactivated)) => {
                self.forget().await?;
                Err(err.into())
            }
            Err(err) => Err(err.into()),
        }
    }

    /// Whether an access token is past its expiry (or unreadable): the
    /// client refreshes before the authority would refuse it.
    fn expired(&self, access: &str) -> bool {
        let now = self.clock.now_ms().div_euclid(1000);
        tokens::expiry_unverified(access).is_none_or(|exp| exp <= now)
    }

    /// Exchanges the refresh token, one process at a time: whoever waited
    /// for the lock first looks whether the other already refreshed.
    async fn refresh(&self, seen: Tokens) -> Result<Tokens, Failure> {
        let _lock = self.lock().await?;
        let current = self.load().await?.ok_or(AuthError::NotLoggedIn)?;
        if current.refresh != seen.refresh && !self.expired(&current.access) {
            return Ok(current);
        }
        match self.authority.refresh(&current.refresh).await {
            Ok(tokens) => {
                self.save(&tokens).await?;
                Ok(tokens)
            }
            Err(err @ (AuthError::SessionEnded(_) | AuthError::Deactivated)) => {
                self.forget().await?;
                Err(err.into())
            }
            Err(err) => Err(err.into()),
        }
    }

    /// An exclusive lock on this database's session, held until dropped.
    async fn lock(&self) -> Result<File, Failure> {
        Ok(secrets::exclusive_lock(&self.lock_path).await?)
    }

    /// Ends the session on this database; false when there was none.
    pub async fn logout(&self) -> Result<bool, Failure> {
        let Some(tokens) = self.load().await? else { return Ok(false) };
        // Forget the tokens even if the database cannot be told.
        let ended = self.authority.logout(&tokens.refresh).await;
        self.forget().await?;
        ended?;
        Ok(true)
    }

    /// Changes the logged-in employee's own password.
    pub async fn change_password(&self, current: &str, new: &str) -> Result<Session, Failure> {
        let session = self.session_allowing_password_change().await?;
        self.authority.change_password(&session, current, new).await?;
        Ok(self.authority.verify(&session.access_token).await?)
    }

    /// Creates an employee.  While the database has none, the first one
    /// needs no login and must be in MANAGEMENT; afterwards only a manager's
    /// session may.  Without a password a one-time password is made, and the
    /// account must change it at first login (as any account a manager
    /// creates must).
    pub async fn create_employee(&self, form: &EmployeeForm, password: Option<&str>) -> Result<Created, Failure> {
        // Who asks comes first (exit 3 or 4), what they ask second (exit 5).
        let session = match self.session().await {
            Ok(session) => Some(session),
            Err(failure) if failure.kind == crate::error::FailureKind::Unauthenticated => {
                // Only "not logged in" may lead to the first manager; a
                // pending password change or a lockout stays an error.
                if self.load().await?.is_some() || !self.needs_first_manager().await? {
                    return Err(failure);
                }
                None
            }
            Err(failure) => return Err(failure),
        };
        if let Some(session) = &session {
            let who = policy::Who { employee_id: session.employee_id, department: session.department };
            policy::decide(who, policy::Action::CreateEmployee, policy::Owners::default())
                .map_err(|denied| Failure::new(crate::error::FailureKind::PermissionDenied, denied.reason))?;
        }
        let new = form.validate()?;
        let asked = new.clone();
        let (id, one_time_password) = match &session {
            None => {
                // Refused as "not logged in" when employees exist already.
                (self.authority.bootstrap(new, password.unwrap_or_default()).await.map_err(employee_failure)?, None)
            }
            Some(session) => {
                let (password, one_time) = match password {
                    Some(password) => (password.to_owned(), None),
                    None => {
                        let one_time = password::one_time()?;
                        (one_time.clone(), Some(one_time))
                    }
                };
                (self.authority.create_employee(session, new, &password).await.map_err(employee_failure)?, one_time)
            }
        };
        let first_employee = session.is_none();
        // Read back as the manager (the first manager has nobody to act
        // for them yet, so the system reads it).
        let employee = match &session {
            Some(session) => {
                self.store.as_employee(&session.actor(), async |tx| crate::store::employees::get(tx, id).await).await?
            }
            // In team mode nobody may read anything without a session, the
            // new manager included: what was written is what was asked.
            None if self.store.backend() == Backend::Postgres => {
                let now = crate::domain::time::now_ms();
                EmployeeRow {
                    id,
                    first_name: asked.first_name,
                    last_name: asked.last_name,
                    email: asked.email,
                    phone: asked.phone,
                    department_id: Department::Management.id(),
                    active: true,
                    deactivated_at: None,
                    must_change_password: false,
                    created_at: now,
                    updated_at: now,
                    version: 1,
                }
            }
            None => self
                .store
                .employee_by_email(&asked.email)
                .await?
                .ok_or_else(|| Failure::unexpected("The new employee could not be read back."))?,
        };
        let actor = session.as_ref().map_or(employee.id, |session| session.employee_id);
        crate::telemetry::notable("employee.create", "employee", employee.id, actor);
        Ok(Created { employee, one_time_password, first_employee })
    }

    /// Creates employees for `session` in one transaction (an import).
    pub(super) async fn create_employees_for(
        &self,
        session: &Session,
        batch: Vec<(NewEmployee, String)>,
    ) -> Result<Vec<i64>, Failure> {
        self.authority.create_employees(session, batch).await.map_err(employee_failure)
    }

    /// Whether the database has no employee yet, so the next one created
    /// is the first manager and needs no login.
    pub async fn needs_first_manager(&self) -> Result<bool, Failure> {
        if self.store.backend() == Backend::Postgres {
            return Ok(!self.store.has_employees().await?);
        }
        let tx = self.store.read_accounts().await?;
        let count = tx.employee_count().await?;
        tx.commit().await?;
        Ok(count == 0)
    }

    /// A manager gives an employee a one-time password.
    pub async fn reset_password(&self, employee_id: i64) -> Result<String, Failure> {
        let session = self.session().await?;
        let one_time = self.authority.reset_password(&session, employee_id).await?;
        crate::telemetry::notable("employee.reset_password", "employee", employee_id, session.employee_id);
        Ok(one_time)
    }

    /// A manager ends an employee's lockout; false when there was none.
    pub async fn unlock(&self, employee_id: i64) -> Result<bool, Failure> {
        let session = self.session().await?;
        Ok(self.authority.unlock(&session, employee_id).await?)
    }

    /// Closes the database.
    pub async fn close(self) -> Result<(), Failure> {
        Ok(self.store.close().await?)
    }
}

/// Authentication failures in the words of employees: a duplicate email
/// names what is duplicated.
fn employee_failure(err: AuthError) -> Failure {
    match err {
        AuthError::Store(crate::store::StoreError::Duplicate(_)) => {
            Failure::new(crate::error::FailureKind::Conflict, "An employee with this email already exists.")
        }
        other => other.into(),
    }
}

/// What identifies a database across processes: the SQLite file's
/// absolute path, or the PostgreSQL URL without its password.
fn database_identity(target: &DatabaseTarget) -> String {
    match target {
        DatabaseTarget::Sqlite { path } => {
            let path = std::fs::canonicalize(path).unwrap_or_else(|_| path.clone());
            format!("sqlite:{}", path.display())
        }
        DatabaseTarget::Postgres { url } => match url::Url::parse(url) {
            Ok(mut parsed) => {
                let _ = parsed.set_password(None);
                parsed.to_string()
            }
            Err(_) => url.clone(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_identity_leaves_out_the_password() {
        let target = DatabaseTarget::Postgres { url: "postgres://crm:secret@127.0.0.1:5432/crm".into() };
        let identity = database_identity(&target);
        assert!(!identity.contains("secret"), "{identity}");
        assert!(identity.contains("crm@127.0.0.1:5432/crm"), "{identity}");
    }

    #[test]
    fn forms_are_validated_field_by_field() {
        let form = EmployeeForm {
            first_name: "Ada".into(),
            last_name: "Lovelace".into(),
            email: "ada@example.com".into(),
            phone: String::new(),
            department: "management".into(),
        };
        assert_eq!(form.validate().expect("valid").department, Department::Management);
        let bad = EmployeeForm { department: "marketing".into(), ..form.clone() };
        assert!(bad.validate().expect_err("bad").message.contains("MANAGEMENT, SALES or SUPPORT"));
        let bad = EmployeeForm { email: "ada".into(), ..form };
        assert!(bad.validate().expect_err("bad").message.contains("not an email address"));
    }
}
