//! The session authority of PostgreSQL team mode: the database checks
//! passwords, counts failures, mints and verifies tokens (SECURITY.md).
//! A login takes two calls, each its own transaction: the first counts the
//! attempt and gives the salt, the second answers with the derived key, so
//! no client can roll a counted failure back.
//! This side only derives the argon2id key of a password with the salt and
//! costs the database gives, so the password itself never leaves the
//! machine and the database keeps nothing it could be logged in with.

use super::authority::{check_first_manager, require_management};
use super::password::{self, FreshKey, Hashing};
use super::{AuthError, Session, SessionAuthority, Tokens};
use crate::config::AuthSettings;
use crate::domain::{Department, Email};
use crate::store::employees::NewEmployee;
use crate::store::team::{Issued, NewKey};
use crate::store::{Store, StoreError};

/// Asks the database's login functions (migration 0005).
pub struct DatabaseAuthority {
    store: Store,
    hashing: Hashing,
    access_seconds: i64,
}

impl DatabaseAuthority {
    /// An authority over `store`, deriving new keys with the configured
    /// costs; access tokens live as long as configured, and never longer
    /// than the database allows.
    pub fn new(store: Store, settings: &AuthSettings) -> Result<DatabaseAuthority, AuthError> {
        Ok(DatabaseAuthority {
            store,
            hashing: Hashing::from_settings(settings)?,
            access_seconds: settings.access_token_seconds as i64,
        })
    }

    /// Begins an attempt at `email` and derives the key of `password` with
    /// the salt and costs the database gave: the challenge and the key.
    /// argon2id takes tens of milliseconds of CPU: off the async workers.
    async fn attempt(&self, email: &str, password: &str) -> Result<(i64, Vec<u8>), AuthError> {
        let begun = self.store.login_begin(email).await?;
        let now_ms = crate::domain::time::now_ms();
        match begun.status.as_str() {
            "ok" => {}
            "locked" => return Err(AuthError::Locked { until_ms: begun.locked_until.unwrap_or(now_ms), now_ms }),
            "busy" => {
                return Err(AuthError::Store(StoreError::Unavailable(
                    "Another login at this address is under way: try again in a moment".into(),
                )));
            }
            other => return Err(AuthError::Internal(format!("the database answered \"{other}\" to a login"))),
        }
        let missing = || AuthError::Internal("the database's login answer left out a field".into());
        let challenge = begun.challenge.ok_or_else(missing)?;
        let salt = begun.salt.ok_or_else(missing)?;
        let cost = |value: Option<i32>| {
            value.and_then(|value| u32::try_from(value).ok()).ok_or_else(|| AuthError::Internal("bad cost".into()))
        };
        let (m_cost, t_cost, p_cost) = (cost(begun.m_cost)?, cost(begun.t_cost)?, cost(begun.p_cost)?);
        let password = password.to_owned();
        let key = tokio::task::spawn_blocking(move || password::derive_key(&password, &salt, m_cost, t_cost, p_cost))
            .await
            .map_err(|err| AuthError::Internal(format!("deriving a key: {err}")))??;
        Ok((challenge, key))
    }

    /// A new key for a new password, with a fresh salt and today's costs.
    async fn fresh(&self, password: &str) -> Result<NewKey, AuthError> {
        let hashing = self.hashing.clone();
        let password = password.to_owned();
        let fresh: FreshKey = tokio::task::spawn_blocking(move || hashing.fresh_key(&password))
            .await
            .map_err(|err| AuthError::Internal(format!("deriving a key: {err}")))??;
        let cost = |value: u32| i32::try_from(value).map_err(|_| AuthError::Internal("cost out of range".into()));
        Ok(NewKey {
            salt: fresh.salt,
            m_cost: cost(fresh.m_cost)?,
            t_cost: cost(fresh.t_cost)?,
            p_cost: cost(fresh.p_cost)?,
            key: fresh.key,
        })
    }
}

/// The tokens of an `ok` answer, or the refusal the status stands for.
fn tokens(answer: Issued) -> Result<Tokens, AuthError> {
    let now_ms = crate::domain::time::now_ms();
    match (answer.status.as_str(), answer.access_token, answer.refresh_token) {
        ("ok", Some(access), Some(refresh)) => Ok(Tokens { access, refresh }),
        ("wrong", ..) => Err(AuthError::WrongCredentials),
        ("locked", ..) => Err(AuthError::Locked { until_ms: answer.locked_until.unwrap_or(now_ms), now_ms }),
        ("deactivated", ..) => Err(AuthError::Deactivated),
        ("reused", ..) => Err(AuthError::SessionEnded(
            "This session's refresh token was presented twice, which can mean it was copied: the session was ended everywhere. Log in again with `epic-crm login`."
                .into(),
        )),
        ("ended", ..) => Err(AuthError::session_ended()),
        (other, ..) => Err(AuthError::Internal(format!("the database answered \"{other}\" to a login"))),
    }
}

#[async_trait::async_trait]
impl SessionAuthority for DatabaseAuthority {
    async fn login(&self, email: &Email, password: &str) -> Result<Tokens, AuthError> {
        // Unknown addresses get a stable fake salt: the same work is done,
        // and the database answers "wrong" without saying why.
        let (challenge, key) = self.attempt(email.as_str(), password).await?;
        tokens(self.store.login_with_key(challenge, &key, self.access_seconds).await?)
    }

    async fn refresh(&self, refresh_token: &str) -> Result<Tokens, AuthError> {
        tokens(self.store.refresh_in_database(refresh_token, self.access_seconds).await?)
    }

    async fn verify(&self, access_token: &str) -> Result<Session, AuthError> {
        let answer = self.store.verify_in_database(access_token).await?;
        match answer.status.as_str() {
            "ok" => {}
            "deactivated" => return Err(AuthError::Deactivated),
            _ => return Err(AuthError::session_ended()),
        }
        let missing = || AuthError::Internal("the database's session check left out a field".into());
        let department_id = answer.department_id.ok_or_else(missing)?;
        Ok(Session {
            employee_id: answer.employee_id.ok_or_else(missing)?,
            first_name: answer.first_name.ok_or_else(missing)?,
            last_name: answer.last_name.ok_or_else(missing)?,
            email: answer.email.ok_or_else(missing)?,
            department: Department::from_id(department_id)
                .ok_or_else(|| AuthError::Internal(format!("unknown department {department_id}")))?,
            must_change_password: answer.must_change_password.ok_or_else(missing)?,
            family_id: answer.family_id.ok_or_else(missing)?,
            access_token: access_token.to_owned(),
        })
    }

    async fn logout(&self, refresh_token: &str) -> Result<(), AuthError> {
        Ok(self.store.logout_in_database(refresh_token).await?)
    }

    async fn change_password(&self, session: &Session, current: &str, new: &str) -> Result<(), AuthError> {
        password::check_new(new, &session.email)?;
        if new == current {
            return Err(AuthError::WeakPassword("The new password must differ from the current one.".into()));
        }
        let (challenge, current_key) = self.attempt(&session.email, current).await?;
        let new_key = self.fresh(new).await?;
        // The password functions take the token like every statement, and
        // also while a password change is pending.
        let tx = self.store.begin_as(&session.actor()).await?;
        let answer = tx.change_password_in_database(challenge, &current_key, &new_key).await?;
        tx.commit().await?;
        let now_ms = crate::domain::time::now_ms();
        match answer.status.as_str() {
            "ok" => Ok(()),
            "wrong" => Err(AuthError::WrongPassword),
            "locked" => Err(AuthError::Locked { until_ms: answer.locked_until.unwrap_or(now_ms), now_ms }),
            _ => Err(AuthError::session_ended()),
        }
    }

    async fn bootstrap(&self, new: NewEmployee, password: &str) -> Result<i64, AuthError> {
        if self.store.has_employees().await? {
            return Err(AuthError::NotLoggedIn);
        }
        check_first_manager(&new, password)?;
        let key = self.fresh(password).await?;
        self.store.bootstrap_in_database(&new, &key).await?.ok_or(AuthError::NotLoggedIn)
    }

    async fn create_employees(&self, by: &Session, new: Vec<(NewEmployee, String)>) -> Result<Vec<i64>, AuthError> {
        require_management(by, "create employees")?;
        let mut keyed = Vec::with_capacity(new.len());
        for (employee, password) in new {
            password::check_new(&password, &employee.email)?;
            let key = self.fresh(&password).await?;
            keyed.push((employee, key));
        }
        let tx = self.store.begin_as(&by.actor()).await?;
        let mut ids = Vec::with_capacity(keyed.len());
        for (employee, key) in &keyed {
            ids.push(tx.create_employee_in_database(employee, key).await?);
        }
        tx.commit().await?;
        Ok(ids)
    }

    async fn reset_password(&self, by: &Session, employee_id: i64) -> Result<String, AuthError> {
        require_management(by, "reset passwords")?;
        let one_time = password::one_time()?;
        let key = self.fresh(&one_time).await?;
        let tx = self.store.begin_as(&by.actor()).await?;
        let ended = tx.reset_password_in_database(employee_id, &key).await?;
        tx.commit().await?;
        match ended {
            Some(ended) => {
                tracing::info!(employee_id, sessions_ended = ended, "password reset in the database");
                Ok(one_time)
            }
            None => Err(AuthError::Store(StoreError::NotFound { kind: "employee", id: employee_id })),
        }
    }

    async fn unlock(&self, by: &Session, employee_id: i64) -> Result<bool, AuthError> {
        require_management(by, "unlock accounts")?;
        let tx = self.store.begin_as(&by.actor()).await?;
        let was_locked = tx.unlock_in_database(employee_id).await?;
        tx.commit().await?;
        was_locked.ok_or(AuthError::Store(StoreError::NotFound { kind: "employee", id: employee_id }))
    }
}
