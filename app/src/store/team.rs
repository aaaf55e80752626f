//! PostgreSQL team mode's login machinery, which lives in the database
//! (migration 0005): the calls of its checked functions.  The app role
//! cannot read credentials, sessions or the signing key; it can only ask
//! these functions, which answer with a status rather than an error so
//! that a failure they count is kept.

use sea_orm::{ConnectionTrait, FromQueryResult, Value};

use super::employees::NewEmployee;
use super::sql::Sql;
use super::{ActingTx, Backend, Store, StoreError};

/// The answer of beginning a login: `status` is `ok` (with the challenge
/// to answer and the salt and argon2id costs to derive the key with — a
/// stable fake for an address nobody has), `locked` (with when it ends) or
/// `busy`.  The attempt counts as a failure until it succeeds.
#[derive(Clone, PartialEq, Eq, FromQueryResult)]
pub struct Begun {
    pub status: String,
    pub challenge: Option<i64>,
    pub salt: Option<Vec<u8>>,
    pub m_cost: Option<i32>,
    pub t_cost: Option<i32>,
    pub p_cost: Option<i32>,
    pub locked_until: Option<i64>,
}

impl std::fmt::Debug for Begun {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Begun").field("status", &self.status).field("m_cost", &self.m_cost).finish_non_exhaustive()
    }
}

/// A password's new key as the database stores it (as SHA-256 of `key`).
#[derive(Clone)]
pub struct NewKey {
    pub salt: Vec<u8>,
    pub m_cost: i32,
    pub t_cost: i32,
    pub p_cost: i32,
    pub key: Vec<u8>,
}

/// The answer of a login or refresh: `status` is `ok`, `wrong`, `locked`,
/// `deactivated`, `ended` or `reused`; tokens come with `ok`.
#[derive(Clone, FromQueryResult)]
pub struct Issued {
    pub status: String,
    pub access_token: Option<String>,
    pub refresh_token: Option<String>,
    /// When a lock ends (UTC epoch ms), with `locked`.
    pub locked_until: Option<i64>,
}

impl std::fmt::Debug for Issued {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Issued").field("status", &self.status).finish_non_exhaustive()
    }
}

/// The answer of checking an access token: `status` is `ok`, `ended` or
/// `deactivated`; the employee comes with `ok`.
#[derive(Clone, Debug, FromQueryResult)]
pub struct Verified {
    pub status: String,
    pub employee_id: Option<i64>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    pub department_id: Option<i32>,
    pub must_change_password: Option<bool>,
    pub family_id: Option<String>,
}

/// The answer of a password change: `ok`, `wrong`, `locked` or `ended`.
#[derive(Clone, Debug, FromQueryResult)]
pub struct Changed {
    pub status: String,
    pub locked_until: Option<i64>,
}

fn key_values(key: &NewKey) -> Vec<Value> {
    vec![key.salt.clone().into(), key.m_cost.into(), key.t_cost.into(), key.p_cost.into(), key.key.clone().into()]
}

async fn one<T: FromQueryResult>(conn: &impl ConnectionTrait, sql: Sql) -> Result<T, StoreError> {
    let row = conn
        .query_one_raw(sql.build(Backend::Postgres))
        .await?
        .ok_or_else(|| StoreError::Internal("a login function of the database answered nothing".into()))?;
    Ok(T::from_query_result(&row, "")?)
}

async fn value<T: sea_orm::TryGetable>(conn: &impl ConnectionTrait, sql: Sql) -> Result<T, StoreError> {
    let row = conn
        .query_one_raw(sql.build(Backend::Postgres))
        .await?
        .ok_or_else(|| StoreError::Internal("a function of the database answered nothing".into()))?;
    Ok(row.try_get::<T>("", "value")?)
}

fn call(function: &str, values: Vec<Value>) -> Sql {
    let placeholders = vec!["?"; values.len()].join(", ");
    let mut sql = Sql::new(format!("SELECT * FROM {function}({placeholders})"));
    sql.bind_all(values);
    sql
}

impl Store {
    /// Begins a login (or a password change) for `email`, in a transaction
    /// of its own: the database counts it before any key is checked.
    pub async fn login_begin(&self, email: &str) -> Result<Begun, StoreError> {
        one(self.system(), call("crm_login_begin", vec![email.into()])).await
    }

    /// Answers a challenge with the derived key; tokens when the status is
    /// `ok`.
    pub async fn login_with_key(&self, challenge: i64, key: &[u8], access_seconds: i64) -> Result<Issued, StoreError> {
        let values = vec![challenge.into(), key.to_vec().into(), (access_seconds as i32).into()];
        one(self.system(), call("crm_login", values)).await
    }

    /// Exchanges a refresh token for a new pair.
    pub async fn refresh_in_database(&self, refresh_token: &str, access_seconds: i64) -> Result<Issued, StoreError> {
        let values = vec![refresh_token.into(), (access_seconds as i32).into()];
        let mut answer: Issued = one(self.system(), call("crm_refresh", values)).await?;
        answer.locked_until = None;
        Ok(answer)
    }

    /// Checks an access token.
    pub async fn verify_in_database(&self, access_token: &str) -> Result<Verified, StoreError> {
        one(self.system(), call("crm_verify", vec![access_token.into()])).await
    }

    /// Ends the login a refresh token belongs to.
    pub async fn logout_in_database(&self, refresh_token: &str) -> Result<(), StoreError> {
        self.system().execute_raw(call("crm_logout", vec![refresh_token.into()]).build(Backend::Postgres)).await?;
        Ok(())
    }

    /// Whether any employee exists.
    pub async fn has_employees(&self) -> Result<bool, StoreError> {
        value(self.system(), Sql::new("SELECT crm_has_employees() AS value")).await
    }

    /// Creates the first manager; `None` when someone exists already.
    pub async fn bootstrap_in_database(&self, new: &NewEmployee, key: &NewKey) -> Result<Option<i64>, StoreError> {
        let mut values: Vec<Value> =
            vec![new.first_name.clone().into(), new.last_name.clone().into(), new.email.clone().into()];
        values.push(new.phone.clone().into());
        values.extend(key_values(key));
        let mut sql = Sql::new("SELECT crm_bootstrap(?, ?, ?, ?, ?, ?, ?, ?, ?) AS value");
        sql.bind_all(values);
        value(self.system(), sql).await
    }
}

impl ActingTx {
    /// The session's employee changes their password, answering a
    /// challenge for their own address with the current key.
    pub async fn change_password_in_database(
        &self,
        challenge: i64,
        current: &[u8],
        new: &NewKey,
    ) -> Result<Changed, StoreError> {
        let mut values: Vec<Value> = vec![challenge.into(), current.to_vec().into()];
        values.extend(key_values(new));
        one(self.conn(), call("crm_change_password", values)).await
    }

    /// A manager creates an employee with a password key; the new id.
    pub async fn create_employee_in_database(&self, new: &NewEmployee, key: &NewKey) -> Result<i64, StoreError> {
        let mut values: Vec<Value> =
            vec![new.first_name.clone().into(), new.last_name.clone().into(), new.email.clone().into()];
        values.push(new.phone.clone().into());
        values.push(new.department.id().into());
        values.extend(key_values(key));
        let mut sql = Sql::new("SELECT crm_create_employee(?, ?, ?, ?, ?, ?, ?, ?, ?, ?) AS value");
        sql.bind_all(values);
        value(self.conn(), sql).await
    }

    /// A manager gives an employee a new password key; the sessions ended,
    /// `None` when nobody has that id.
    pub async fn reset_password_in_database(&self, employee_id: i64, key: &NewKey) -> Result<Option<i32>, StoreError> {
        let mut values: Vec<Value> = vec![employee_id.into()];
        values.extend(key_values(key));
        let mut sql = Sql::new("SELECT crm_reset_password(?, ?, ?, ?, ?, ?) AS value");
        sql.bind_all(values);
        value(self.conn(), sql).await
    }

    /// A manager ends an employee's lockout: whether there was one, `None`
    /// when nobody has that id.
    pub async fn unlock_in_database(&self, employee_id: i64) -> Result<Option<bool>, StoreError> {
        value(self.conn(), Sql::with("SELECT crm_unlock(?) AS value", employee_id)).await
    }
}
