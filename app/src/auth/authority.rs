//! The session authority: logs employees in, rotates and ends sessions,
//! checks the session behind every command, and manages passwords.
//!
//! [`SessionAuthority`] is the interface the rest of the CRM calls.
//! [`LocalAuthority`] implements it in the application, on either backend;
//! PostgreSQL team mode can add an implementation that asks the database
//! instead, without touching the callers.

use std::path::Path;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::password::{self, Hashing};
use super::secrets::{self, SecretStore};
use super::tokens::{self, SigningKey, TokenKind, digest};
use super::{AuthError, lockout};
use crate::config::AuthSettings;
use crate::domain::time::Clock;
use crate::domain::{Department, Email};
use crate::store::accounts::{AccountsTx, LoginRecord};
use crate::store::audit::NewAuditEntry;
use crate::store::employees::NewEmployee;
use crate::store::{Actor, Store};

/// The secret-store key of the token signing key.
pub const SIGNING_KEY: &str = "signing-key";
/// How long after a refresh the same refresh token may be presented again
/// because the new pair never reached its client.
pub const RETRY_GRACE_MS: i64 = 10_000;

/// The two tokens of a session, as the client keeps them.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tokens {
    /// Presented on every command; lives minutes.
    pub access: String,
    /// Exchanged once for a new pair; lives days.
    pub refresh: String,
}

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Tokens(…)")
    }
}

/// A checked session: who is acting, in which department.
#[derive(Clone, PartialEq, Eq)]
pub struct Session {
    pub employee_id: i64,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub department: Department,
    /// The account must choose a new password before anything else.
    pub must_change_password: bool,
    /// The login this session belongs to.
    pub family_id: String,
    /// The access token the session was checked with.
    pub access_token: String,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("employee_id", &self.employee_id)
            .field("department", &self.department)
            .field("must_change_password", &self.must_change_password)
            .finish_non_exhaustive()
    }
}

impl Session {
    /// The employee as the store's transactions act for them.
    pub fn actor(&self) -> Actor {
        Actor {
            employee_id: self.employee_id,
            department: self.department,
            access_token: Some(self.access_token.clone()),
        }
    }

    /// "First Last".
    pub fn full_name(&self) -> String {
        format!("{} {}", self.first_name, self.last_name)
    }
}

/// Everything that creates, checks or ends sessions and passwords.
#[async_trait::async_trait]
pub trait SessionAuthority: Send + Sync {
    /// Checks an email and password; on success opens a session family.
    async fn login(&self, email: &Email, password: &str) -> Result<Tokens, AuthError>;
    /// Exchanges a refresh token for a new pair; a token presented twice
    /// ends its whole family.
    async fn refresh(&self, refresh_token: &str) -> Result<Tokens, AuthError>;
    /// Checks an access token and that its session and employee are still
    /// active.
    async fn verify(&self, access_token: &str) -> Result<Session, AuthError>;
    /// Ends the session family of a refresh token.
    async fn logout(&self, refresh_token: &str) -> Result<(), AuthError>;
    /// Changes the session's own password; other sessions of the employee end.
    async fn change_password(&self, session: &Session, current: &str, new: &str) -> Result<(), AuthError>;
    /// Creates the first employee, a manager, while no employee exists.
    async fn bootstrap(&self, new: NewEmployee, password: &str) -> Result<i64, AuthError>;
    /// A manager creates an employee, who must change the password given.
    async fn create_employee(&self, by: &Session, new: NewEmployee, password: &str) -> Result<i64, AuthError> {
        let ids = self.create_employees(by, vec![(new, password.to_owned())]).await?;
        ids.into_iter().next().ok_or_else(|| AuthError::Internal("no employee was created".into()))
    }
    /// A manager creates several employees in one transaction (an import):
    /// all of them or none; each must change the password given.  Returns
    /// their ids in order.
    async fn create_employees(&self, by: &Session, new: Vec<(NewEmployee, String)>) -> Result<Vec<i64>, AuthError>;
    /// A manager gives an employee a one-time password (returned once),
    /// ending their sessions and any lockout.
    async fn reset_password(&self, by: &Session, employee_id: i64) -> Result<String, AuthError>;
    /// A manager ends an employee's lockout; true if there was one.
    async fn unlock(&self, by: &Session, employee_id: i64) -> Result<bool, AuthError>;
}

/// The authority of the embedded model: the application checks passwords
/// (argon2id PHC strings in the database) and signs tokens with a
/// per-install key from the OS keyring or the private token file.
pub struct LocalAuthority {
    store: Store,
    key: SigningKey,
    hashing: Hashing,
    clock: Arc<dyn Clock>,
    access_seconds: i64,
    refresh_seconds: i64,
}

impl LocalAuthority {
    /// An authority signing with the key kept in `secrets`, created on
    /// first use under the lock file `lock` so that two processes starting
    /// at once do not each make their own.
    pub async fn open(
        store: Store,
        secrets: &dyn SecretStore,
        lock: &Path,
        settings: &AuthSettings,
        clock: Arc<dyn Clock>,
    ) -> Result<LocalAuthority, AuthError> {
        let key = match secrets.get(SIGNING_KEY).await? {
            Some(hex) => SigningKey::from_hex(&hex)?,
            None => {
                let _held = secrets::exclusive_lock(lock).await?;
                match secrets.get(SIGNING_KEY).await? {
                    // Made by another process while this one waited.
                    Some(hex) => SigningKey::from_hex(&hex)?,
                    None => {
                        let key = SigningKey::generate()?;
                        secrets.set(SIGNING_KEY, &key.to_hex()).await?;
                        key
                    }
                }
            }
        };
        Self::with_key(store, key, settings, clock)
    }

    /// An authority signing with `key`.
    pub fn with_key(
        store: Store,
        key: SigningKey,
        settings: &AuthSettings,
        clock: Arc<dyn Clock>,
    ) -> Result<LocalAuthority, AuthError> {
        Ok(LocalAuthority {
            store,
            key,
            hashing: Hashing::from_settings(settings)?,
            clock,
            access_seconds: settings.access_token_seconds as i64,
            refresh_seconds: settings.refresh_token_days as i64 * 24 * 3600,
        })
    }

    /// Argon2 takes tens of milliseconds of CPU: keep it off the async
    /// workers so the terminal application never freezes.
    async fn verify_password(&self, password: &str, phc: Option<String>) -> Result<bool, AuthError> {
        let hashing = self.hashing.clone();
        let password = password.to_owned();
        tokio::task::spawn_blocking(move || match phc {
            Some(phc) => hashing.verify(&password, &phc),
            None => hashing.verify_nobody(&password),
        })
        .await
        .map_err(|err| AuthError::Internal(format!("password check: {err}")))
    }

    async fn hash_password(&self, password: &str) -> Result<String, AuthError> {
        let hashing = self.hashing.clone();
        let password = password.to_owned();
        tokio::task::spawn_blocking(move || hashing.hash(&password))
            .await
            .map_err(|err| AuthError::Internal(format!("password hashing: {err}")))?
    }

    /// Signs a new token pair in `family` and records the refresh token.
    async fn issue(&self, tx: &AccountsTx, employee_id: i64, family: &str, now: i64) -> Result<Tokens, AuthError> {
        let access = self.key.mint(TokenKind::Access, employee_id, family, now, self.access_seconds)?;
        let refresh = self.key.mint(TokenKind::Refresh, employee_id, family, now, self.refresh_seconds)?;
        tx.open_session(family, employee_id, &digest(&refresh), now, now + self.refresh_seconds * 1000).await?;
        Ok(Tokens { access, refresh })
    }

    /// The employee to manage, refusing anyone outside MANAGEMENT.
    async fn managed(&self, by: &Session, employee_id: i64, what: &str) -> Result<LoginRecord, AuthError> {
        require_management(by, what)?;
        let tx = self.store.read_accounts().await?;
        let record = tx.login_record_by_id(employee_id).await?;
        tx.commit().await?;
        record.ok_or(AuthError::Store(crate::store::StoreError::NotFound { kind: "employee", id: employee_id }))
    }
}

/// A new employee's fields as audit changes from nothing (never the
/// password).
fn created_fields(new: &NewEmployee, must_change_password: bool) -> serde_json::Value {
    let field = |value: serde_json::Value| json!({"before": null, "after": value});
    json!({
        "first_name": field(json!(new.first_name)),
        "last_name": field(json!(new.last_name)),
        "email": field(json!(new.email)),
        "phone": field(json!(new.phone)),
        "department": field(json!(new.department.code())),
        "must_change_password": field(json!(must_change_password)),
    })
}

/// Refuses anyone outside MANAGEMENT to `what` (employees' accounts are
/// managers' business), whichever authority asks.
pub(crate) fn require_management(by: &Session, what: &str) -> Result<(), AuthError> {
    if by.department == Department::Management {
        return Ok(());
    }
    Err(AuthError::Forbidden(format!("Only MANAGEMENT can {what}; you are in {}.", by.department.code())))
}

/// What the first employee must be, whichever authority creates them: a
/// manager (so that someone can create the others) with a good password.
pub(crate) fn check_first_manager(new: &NewEmployee, password: &str) -> Result<(), AuthError> {
    if new.department != Department::Management {
        return Err(AuthError::Invalid(format!(
            "The first employee must be in MANAGEMENT (not {}), so that someone can create the others.",
            new.department.code()
        )));
    }
    password::check_new(password, &new.email)
}

/// The lockout key of an address: lower-cased, digested.
fn email_key(email: &Email) -> String {
    digest(&email.folded())
}

fn entry(
    actor: Option<&LoginRecord>,
    action: &'static str,
    record_id: Option<i64>,
    changes: serde_json::Value,
) -> NewAuditEntry {
    NewAuditEntry {
        actor_id: actor.map(|record| record.employee_id),
        actor_name: actor.map_or_else(|| "(unknown address)".to_owned(), LoginRecord::full_name),
        action,
        record_kind: "employee",
        record_id,
        changes,
    }
}

fn by_session(session: &Session, action: &'static str, record_id: i64, changes: serde_json::Value) -> NewAuditEntry {
    NewAuditEntry {
        actor_id: Some(session.employee_id),
        actor_name: session.full_name(),
        action,
        record_kind: "employee",
        record_id: Some(record_id),
        changes,
    }
}

#[async_trait::async_trait]
impl SessionAuthority for LocalAuthority {
    async fn login(&self, email: &Email, password: &str) -> Result<Tokens, AuthError> {
        let key = email_key(email);
        // Reads first, in a short transaction: the password check below
        // takes a while and must not hold the database.
        let tx = self.store.read_accounts().await?;
        let attempts = tx.attempts(&key).await?;
        let record = tx.login_record(email.as_str()).await?;
        tx.commit().await?;

        let now = self.clock.now_ms();
        if let Some(until) = attempts.and_then(|a| a.locked_until).filter(|until| *until > now) {
            let tx = self.store.begin_accounts().await?;
            let id = record.as_ref().map(|r| r.employee_id);
            tx.audit(now, entry(record.as_ref(), "login.failure", id, json!({"reason": "locked"}))).await?;
            tx.commit().await?;
            return Err(AuthError::Locked { until_ms: until, now_ms: now });
        }

        let stored_hash = record.as_ref().and_then(|r| r.password_hash.clone());
        let matches = self.verify_password(password, stored_hash.clone()).await? && record.is_some();
        let now = self.clock.now_ms();
        let record = match record {
            Some(record) if matches => record,
            record => {
                let tx = self.store.begin_accounts().await?;
                let failures = tx.record_failure(&key, now).await?;
                let lock = lockout::lock_after(failures).map(|ms| now + ms);
                if let Some(until) = lock {
                    tx.lock(&key, until).await?;
                }
                let reason = if record.is_some() { "wrong password" } else { "unknown address" };
                let id = record.as_ref().map(|r| r.employee_id);
                tx.audit(
                    now,
                    entry(record.as_ref(), "login.failure", id, json!({"reason": reason, "failures": failures})),
                )
                .await?;
                if let Some(until) = lock {
                    let details = json!({"failures": failures, "locked_until": until});
                    tx.audit(now, entry(record.as_ref(), "login.lockout", id, details)).await?;
                }
                tx.commit().await?;
                return Err(match lock {
                    Some(until) => AuthError::Locked { until_ms: until, now_ms: now },
                    None => AuthError::WrongCredentials,
                });
            }
        };

        // Hashes made with older, weaker costs are replaced now that the
        // password is known.
        let rehash = match &stored_hash {
            Some(phc) if self.hashing.is_outdated(phc) => Some(self.hash_password(password).await?),
            _ => None,
        };
        let tx = self.store.begin_accounts().await?;
        // A guess running in parallel may have locked the address since it
        // was read: a right password does not get through a lock.
        if !tx.clear_failures_unless_locked(&key, now).await? {
            let until = tx.attempts(&key).await?.and_then(|a| a.locked_until).unwrap_or(now);
            let id = Some(record.employee_id);
            tx.audit(now, entry(Some(&record), "login.failure", id, json!({"reason": "locked"}))).await?;
            tx.commit().await?;
            return Err(AuthError::Locked { until_ms: until, now_ms: now });
        }
        let id = Some(record.employee_id);
        if !record.active {
            tx.audit(now, entry(Some(&record), "login.failure", id, json!({"reason": "deactivated"}))).await?;
            tx.commit().await?;
            return Err(AuthError::Deactivated);
        }
        if let Some(phc) = rehash {
            tx.set_password(record.employee_id, &phc, record.must_change_password, now).await?;
        }
        let tokens = self.issue(&tx, record.employee_id, &tokens::random_id()?, now).await?;
        tx.audit(now, entry(Some(&record), "login.success", id, json!({}))).await?;
        tx.commit().await?;
        Ok(tokens)
    }

    async fn refresh(&self, refresh_token: &str) -> Result<Tokens, AuthError> {
        let now = self.clock.now_ms();
        let claims = self.key.verify(TokenKind::Refresh, refresh_token, now)?;
        let employee_id = claims.employee_id()?;
        let token_hash = digest(refresh_token);
        let tx = self.store.begin_accounts().await?;
        // The write comes first: it takes the write lock, so two refreshes
        // of one token are decided one after the other.
        let fresh = tx.mark_used(&token_hash, now).await?;
        let session = tx
            .session_by_token(&token_hash)
            .await?
            .filter(|session| session.employee_id == employee_id && session.family_id == claims.fam);
        let Some(session) = session else {
            tx.commit().await?;
            return Err(AuthError::session_ended());
        };
        if tx.family_revoked(&session.family_id).await? {
            tx.commit().await?;
            return Err(AuthError::session_ended());
        }
        if !fresh {
            let Some(used_at) = session.used_at else {
                // Never exchanged, yet not exchangeable: it expired.
                tx.commit().await?;
                return Err(AuthError::session_ended());
            };
            // A retired token (see below) has its expiry set to when it was
            // retired; an exchanged one was still valid when used.
            let retired = session.expires_at <= used_at;
            let successors = tx.issued_since(&session.family_id, used_at).await?;
            // Exchanged moments ago and its successor never used: the new
            // pair was lost on the way (a reply cut off, a store that failed
            // to save, a killed process).  Retire the successor and issue
            // again rather than raise a theft alarm; a thief replaying a
            // copy this way is caught when the real client presents the
            // retired successor.
            let lost_reply = !retired
                && now - used_at <= RETRY_GRACE_MS
                && successors.len() == 1
                && successors[0].used_at.is_none()
                && successors[0].revoked_at.is_none();
            if lost_reply {
                tx.retire(successors[0].id, now).await?;
            } else {
                // Presented again after it was exchanged: a copy is in
                // someone else's hands.  End every token of the login.
                tx.revoke_family(&session.family_id, now).await?;
                let record = tx.login_record_by_id(employee_id).await?;
                let details = json!({"session": session.id, "family_revoked": true});
                tx.audit(now, entry(record.as_ref(), "session.reuse_detected", Some(employee_id), details)).await?;
                tx.commit().await?;
                return Err(AuthError::SessionEnded(
                    "This session's refresh token was presented twice, which can mean it was copied: the session was ended everywhere. Log in again with `epic-crm login`."
                        .into(),
                ));
            }
        }
        let record = tx.login_record_by_id(employee_id).await?;
        if !record.as_ref().is_some_and(|record| record.active) {
            tx.revoke_family(&session.family_id, now).await?;
            tx.commit().await?;
            return Err(AuthError::Deactivated);
        }
        let tokens = self.issue(&tx, employee_id, &session.family_id, now).await?;
        tx.commit().await?;
        Ok(tokens)
    }

    async fn verify(&self, access_token: &str) -> Result<Session, AuthError> {
        let now = self.clock.now_ms();
        let claims = self.key.verify(TokenKind::Access, access_token, now)?;
        let employee_id = claims.employee_id()?;
        let tx = self.store.read_accounts().await?;
        let live = tx.session_live(&claims.fam, employee_id, now).await?;
        let record = tx.login_record_by_id(employee_id).await?;
        tx.commit().await?;
        // Deactivation also revokes the sessions; say the reason that helps.
        if record.as_ref().is_some_and(|record| !record.active) {
            return Err(AuthError::Deactivated);
        }
        let Some(record) = record.filter(|_| live) else {
            return Err(AuthError::session_ended());
        };
        let department = Department::from_id(record.department_id)
            .ok_or_else(|| AuthError::Internal(format!("unknown department {}", record.department_id)))?;
        Ok(Session {
            employee_id,
            first_name: record.first_name,
            last_name: record.last_name,
            email: record.email,
            department,
            must_change_password: record.must_change_password,
            family_id: claims.fam,
            access_token: access_token.to_owned(),
        })
    }

    async fn logout(&self, refresh_token: &str) -> Result<(), AuthError> {
        let now = self.clock.now_ms();
        // Found by its digest: holding a token the database issued is proof
        // enough to end its login, even if the signing key has changed since.
        let tx = self.store.begin_accounts().await?;
        let Some(session) = tx.session_by_token(&digest(refresh_token)).await? else {
            tx.commit().await?;
            return Ok(());
        };
        let ended = tx.revoke_family(&session.family_id, now).await?;
        if ended > 0 {
            let record = tx.login_record_by_id(session.employee_id).await?;
            tx.audit(now, entry(record.as_ref(), "logout", Some(session.employee_id), json!({}))).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn change_password(&self, session: &Session, current: &str, new: &str) -> Result<(), AuthError> {
        password::check_new(new, &session.email)?;
        if new == current {
            return Err(AuthError::WeakPassword("The new password must differ from the current one.".into()));
        }
        let tx = self.store.read_accounts().await?;
        let record = tx.login_record_by_id(session.employee_id).await?.ok_or_else(AuthError::session_ended)?;
        let key = email_key(&Email::typed(&record.email));
        let attempts = tx.attempts(&key).await?;
        tx.commit().await?;
        // Guessing the current password here counts, and locks, exactly
        // like guessing at login.
        let now = self.clock.now_ms();
        if let Some(until) = attempts.and_then(|a| a.locked_until).filter(|until| *until > now) {
            return Err(AuthError::Locked { until_ms: until, now_ms: now });
        }
        if !self.verify_password(current, record.password_hash.clone()).await? {
            let now = self.clock.now_ms();
            let tx = self.store.begin_accounts().await?;
            let failures = tx.record_failure(&key, now).await?;
            let lock = lockout::lock_after(failures).map(|ms| now + ms);
            if let Some(until) = lock {
                tx.lock(&key, until).await?;
            }
            let id = Some(record.employee_id);
            let details = json!({"reason": "wrong current password", "failures": failures});
            tx.audit(now, entry(Some(&record), "employee.password_change_failure", id, details)).await?;
            if let Some(until) = lock {
                let details = json!({"failures": failures, "locked_until": until});
                tx.audit(now, entry(Some(&record), "login.lockout", id, details)).await?;
            }
            tx.commit().await?;
            return Err(match lock {
                Some(until) => AuthError::Locked { until_ms: until, now_ms: now },
                None => AuthError::WrongPassword,
            });
        }
        let phc = self.hash_password(new).await?;
        let now = self.clock.now_ms();
        let tx = self.store.begin_accounts().await?;
        if !tx.clear_failures_unless_locked(&key, now).await? {
            let until = tx.attempts(&key).await?.and_then(|a| a.locked_until).unwrap_or(now);
            return Err(AuthError::Locked { until_ms: until, now_ms: now });
        }
        tx.set_password(session.employee_id, &phc, false, now).await?;
        let ended = tx.revoke_employee_sessions(session.employee_id, now, Some(&session.family_id)).await?;
        let details = json!({"must_change_password": {"before": record.must_change_password, "after": false}, "other_sessions_ended": ended});
        tx.audit(now, by_session(session, "employee.password_change", session.employee_id, details)).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn bootstrap(&self, new: NewEmployee, password: &str) -> Result<i64, AuthError> {
        // Once anyone exists, creating employees needs a manager's session:
        // say so before judging what was asked.
        let tx = self.store.read_accounts().await?;
        let existing = tx.employee_count().await?;
        tx.commit().await?;
        if existing > 0 {
            return Err(AuthError::NotLoggedIn);
        }
        check_first_manager(&new, password)?;
        let phc = self.hash_password(password).await?;
        let now = self.clock.now_ms();
        let tx = self.store.begin_accounts().await?;
        if tx.employee_count().await? > 0 {
            return Err(AuthError::NotLoggedIn);
        }
        let name = format!("{} {}", new.first_name, new.last_name);
        let details = created_fields(&new, false);
        let id = tx.create_employee(NewEmployee { must_change_password: false, ..new }, phc).await?;
        let audit = NewAuditEntry {
            actor_id: Some(id),
            actor_name: name,
            action: "employee.create",
            record_kind: "employee",
            record_id: Some(id),
            changes: details,
        };
        tx.audit(now, audit).await?;
        tx.commit().await?;
        Ok(id)
    }

    async fn create_employees(&self, by: &Session, new: Vec<(NewEmployee, String)>) -> Result<Vec<i64>, AuthError> {
        require_management(by, "create employees")?;
        let mut hashed = Vec::with_capacity(new.len());
        for (employee, password) in new {
            password::check_new(&password, &employee.email)?;
            let phc = self.hash_password(&password).await?;
            hashed.push((employee, phc));
        }
        let now = self.clock.now_ms();
        let tx = self.store.begin_accounts().await?;
        let mut ids = Vec::with_capacity(hashed.len());
        for (employee, phc) in hashed {
            let details = created_fields(&employee, true);
            let id = tx.create_employee(NewEmployee { must_change_password: true, ..employee }, phc).await?;
            tx.audit(now, by_session(by, "employee.create", id, details)).await?;
            ids.push(id);
        }
        tx.commit().await?;
        Ok(ids)
    }

    async fn reset_password(&self, by: &Session, employee_id: i64) -> Result<String, AuthError> {
        let record = self.managed(by, employee_id, "reset passwords").await?;
        let one_time = password::one_time()?;
        let phc = self.hash_password(&one_time).await?;
        let now = self.clock.now_ms();
        let tx = self.store.begin_accounts().await?;
        tx.set_password(employee_id, &phc, true, now).await?;
        let ended = tx.revoke_employee_sessions(employee_id, now, None).await?;
        tx.clear_failures(&email_key(&Email::typed(&record.email))).await?;
        let details = json!({"must_change_password": {"before": record.must_change_password, "after": true}, "sessions_ended": ended});
        tx.audit(now, by_session(by, "employee.reset_password", employee_id, details)).await?;
        tx.commit().await?;
        Ok(one_time)
    }

    async fn unlock(&self, by: &Session, employee_id: i64) -> Result<bool, AuthError> {
        let record = self.managed(by, employee_id, "unlock accounts").await?;
        let now = self.clock.now_ms();
        let key = email_key(&Email::typed(&record.email));
        let tx = self.store.begin_accounts().await?;
        let before = tx.attempts(&key).await?;
        tx.clear_failures(&key).await?;
        let was_locked = before.and_then(|a| a.locked_until).is_some_and(|until| until > now);
        if was_locked {
            tx.audit(now, by_session(by, "employee.unlock", employee_id, json!({}))).await?;
        }
        tx.commit().await?;
        Ok(was_locked)
    }
}
