//! The data behind logins: password verifiers, session families, failed
//! login counters, and the first employee.  Only the authentication code
//! uses it, acting for no employee (nobody is logged in when it runs).

use sea_orm::{
    ConnectionTrait, DatabaseTransaction, FromQueryResult, SqliteTransactionMode, TransactionOptions, TransactionTrait,
};

use super::audit::{self, NewAuditEntry};
use super::employees::{self, NewEmployee};
use super::sql::Sql;
use super::{Backend, Store, StoreError};

/// What a login needs to know about an employee.
#[derive(Clone, PartialEq, Eq, FromQueryResult)]
pub struct LoginRecord {
    pub employee_id: i64,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub department_id: i32,
    pub active: bool,
    pub must_change_password: bool,
    /// The argon2id PHC string; absent if the employee has no credential.
    pub password_hash: Option<String>,
}

/// Never shows the password verifier, so no log line can leak it.
impl std::fmt::Debug for LoginRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginRecord")
            .field("employee_id", &self.employee_id)
            .field("department_id", &self.department_id)
            .field("active", &self.active)
            .field("must_change_password", &self.must_change_password)
            .finish_non_exhaustive()
    }
}

impl LoginRecord {
    /// "First Last", as audit entries record the actor.
    pub fn full_name(&self) -> String {
        format!("{} {}", self.first_name, self.last_name)
    }
}

/// One refresh token of a session family.
#[derive(Clone, Debug, PartialEq, Eq, FromQueryResult)]
pub struct SessionRecord {
    pub id: i64,
    pub family_id: String,
    pub employee_id: i64,
    pub expires_at: i64,
    pub used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

/// The failed-login counter of one address.
#[derive(Clone, Copy, Debug, PartialEq, Eq, FromQueryResult)]
pub struct Attempts {
    pub failures: i32,
    pub locked_until: Option<i64>,
}

const LOGIN_COLUMNS: &str = "e.id AS employee_id, e.first_name AS first_name, e.last_name AS last_name, \
    e.email AS email, e.department_id AS department_id, e.active AS active, \
    e.must_change_password AS must_change_password, c.password_hash AS password_hash \
    FROM employees e LEFT JOIN credentials c ON c.employee_id = e.id";

/// A transaction of the login machinery.
pub struct AccountsTx {
    tx: DatabaseTransaction,
    backend: Backend,
}

impl Store {
    /// Opens a transaction of the login machinery that will write; on
    /// SQLite it takes the write lock at once, so reading first and writing
    /// later cannot fail when another connection wrote in between.
    pub async fn begin_accounts(&self) -> Result<AccountsTx, StoreError> {
        self.accounts_tx(SqliteTransactionMode::Immediate).await
    }

    /// Opens a transaction of the login machinery that only reads.
    pub async fn read_accounts(&self) -> Result<AccountsTx, StoreError> {
        self.accounts_tx(SqliteTransactionMode::Deferred).await
    }

    async fn accounts_tx(&self, mode: SqliteTransactionMode) -> Result<AccountsTx, StoreError> {
        let options = TransactionOptions { sqlite_transaction_mode: Some(mode), ..TransactionOptions::default() };
        Ok(AccountsTx { tx: self.system().begin_with_options(options).await?, backend: self.backend() })
    }
}

impl AccountsTx {
    /// Makes the transaction's writes permanent.
    pub async fn commit(self) -> Result<(), StoreError> {
        self.tx.commit().await.map_err(StoreError::from)
    }

    async fn one<T: FromQueryResult>(&self, sql: Sql) -> Result<Option<T>, StoreError> {
        match self.tx.query_one_raw(sql.build(self.backend)).await? {
            Some(row) => Ok(Some(T::from_query_result(&row, "")?)),
            None => Ok(None),
        }
    }

    async fn run(&self, sql: Sql) -> Result<u64, StoreError> {
        Ok(self.tx.execute_raw(sql.build(self.backend)).await?.rows_affected())
    }

    /// The employee with this email, ignoring case.
    pub async fn login_record(&self, email: &str) -> Result<Option<LoginRecord>, StoreError> {
        self.one(Sql::with(format!("SELECT {LOGIN_COLUMNS} WHERE lower(e.email) = lower(?)"), email.to_owned())).await
    }

    /// The employee with this id.
    pub async fn login_record_by_id(&self, employee_id: i64) -> Result<Option<LoginRecord>, StoreError> {
        self.one(Sql::with(format!("SELECT {LOGIN_COLUMNS} WHERE e.id = ?"), employee_id)).await
    }

    /// The failed-login counter of an address key, if it has failed before.
    pub async fn attempts(&self, email_key: &str) -> Result<Option<Attempts>, StoreError> {
        self.one(Sql::with(
            "SELECT failures, locked_until FROM login_attempts WHERE email_key = ?",
            email_key.to_owned(),
        ))
        .await
    }

    /// Counts one more failure for an address key and sets its lock;
    /// returns the failures so far.  One statement, so two failures at once
    /// both count.
    pub async fn record_failure(&self, email_key: &str, now: i64) -> Result<i32, StoreError> {
        let mut sql = Sql::new("INSERT INTO login_attempts (email_key, failures, last_failure_at) VALUES (");
        sql.bind(email_key.to_owned()).push(", 1, ").bind(now).push(
            ") ON CONFLICT (email_key) DO UPDATE SET failures = login_attempts.failures + 1, \
                 last_failure_at = excluded.last_failure_at RETURNING failures, locked_until",
        );
        let attempts: Attempts = self
            .one(sql)
            .await?
            .ok_or_else(|| StoreError::Internal("counting a failed login returned nothing".into()))?;
        Ok(attempts.failures)
    }

    /// Locks an address key until `until` (UTC epoch ms).
    pub async fn lock(&self, email_key: &str, until: i64) -> Result<(), StoreError> {
        let mut sql = Sql::with("UPDATE login_attempts SET locked_until = ? WHERE email_key = ", until);
        sql.bind(email_key.to_owned());
        self.run(sql).await.map(drop)
    }

    /// Forgets the failures of an address key (after a success, or when a
    /// manager unlocks the account).
    pub async fn clear_failures(&self, email_key: &str) -> Result<bool, StoreError> {
        Ok(self.run(Sql::with("DELETE FROM login_attempts WHERE email_key = ?", email_key.to_owned())).await? > 0)
    }

    /// Forgets the failures of an address key unless it is locked at `now`;
    /// false when it is locked (a success during a lock does not count).
    /// A write first, so that on SQLite the transaction holds the write
    /// lock before it reads anything.
    pub async fn clear_failures_unless_locked(&self, email_key: &str, now: i64) -> Result<bool, StoreError> {
        let mut sql = Sql::with("DELETE FROM login_attempts WHERE email_key = ?", email_key.to_owned());
        sql.push(" AND (locked_until IS NULL OR locked_until <= ").bind(now).push(")");
        self.run(sql).await?;
        Ok(self.attempts(email_key).await?.is_none_or(|a| a.locked_until.is_none_or(|until| until <= now)))
    }

    /// Replaces an employee's password verifier and sets whether they must
    /// change it at their next login.
    pub async fn set_password(
        &self,
        employee_id: i64,
        password_hash: &str,
        must_change: bool,
        now: i64,
    ) -> Result<(), StoreError> {
        let mut sql = Sql::with("UPDATE credentials SET password_hash = ?", password_hash.to_owned());
        sql.push(", updated_at = ").bind(now).push(" WHERE employee_id = ").bind(employee_id);
        if self.run(sql).await? == 0 {
            let mut insert = Sql::new("INSERT INTO credentials (employee_id, password_hash, updated_at) VALUES (");
            insert.bind(employee_id).push(", ").bind(password_hash.to_owned()).push(", ").bind(now).push(")");
            self.run(insert).await?;
        }
        // The flag is part of the employee record: a change is a new version.
        let mut flag = Sql::with("UPDATE employees SET must_change_password = ?", must_change);
        flag.push(", updated_at = ")
            .bind(now)
            .push(", version = version + 1 WHERE id = ")
            .bind(employee_id)
            .push(" AND must_change_password <> ")
            .bind(must_change);
        self.run(flag).await.map(drop)
    }

    /// Records a refresh token (by its digest) in a session family.
    pub async fn open_session(
        &self,
        family_id: &str,
        employee_id: i64,
        token_hash: &str,
        issued_at: i64,
        expires_at: i64,
    ) -> Result<(), StoreError> {
        let mut sql =
            Sql::new("INSERT INTO sessions (family_id, employee_id, token_hash, issued_at, expires_at) VALUES (");
        sql.bind(family_id.to_owned())
            .push(", ")
            .bind(employee_id)
            .push(", ")
            .bind(token_hash.to_owned())
            .push(", ")
            .bind(issued_at)
            .push(", ")
            .bind(expires_at)
            .push(")");
        self.run(sql).await.map(drop)
    }

    /// The refresh token with this digest.
    pub async fn session_by_token(&self, token_hash: &str) -> Result<Option<SessionRecord>, StoreError> {
        self.one(Sql::with(
            "SELECT id, family_id, employee_id, expires_at, used_at, revoked_at FROM sessions WHERE token_hash = ?",
            token_hash.to_owned(),
        ))
        .await
    }

    /// Marks a refresh token (by digest) used; false when it already was,
    /// or was revoked or expired, which means it cannot be exchanged.
    pub async fn mark_used(&self, token_hash: &str, now: i64) -> Result<bool, StoreError> {
        let mut sql = Sql::with("UPDATE sessions SET used_at = ? WHERE token_hash = ", now);
        sql.bind(token_hash.to_owned()).push(" AND used_at IS NULL AND revoked_at IS NULL AND expires_at > ").bind(now);
        Ok(self.run(sql).await? == 1)
    }

    /// Ends every token of a family.
    pub async fn revoke_family(&self, family_id: &str, now: i64) -> Result<u64, StoreError> {
        let mut sql = Sql::with("UPDATE sessions SET revoked_at = ? WHERE family_id = ", now);
        sql.bind(family_id.to_owned()).push(" AND revoked_at IS NULL");
        self.run(sql).await
    }

    /// Ends every session of an employee, except one family if given (the
    /// session that changed its own password stays open).
    pub async fn revoke_employee_sessions(
        &self,
        employee_id: i64,
        now: i64,
        except_family: Option<&str>,
    ) -> Result<u64, StoreError> {
        let mut sql = Sql::with("UPDATE sessions SET revoked_at = ? WHERE employee_id = ", now);
        sql.bind(employee_id).push(" AND revoked_at IS NULL");
        if let Some(family) = except_family {
            sql.push(" AND family_id <> ").bind(family.to_owned());
        }
        self.run(sql).await
    }

    /// Whether a family is still live for this employee: it has an
    /// unexpired token, and none of its tokens was ever revoked.  Revoking
    /// marks every row it sees, but a row committed by a refresh running at
    /// the same moment can escape the statement; the family check catches
    /// it.
    pub async fn session_live(&self, family_id: &str, employee_id: i64, now: i64) -> Result<bool, StoreError> {
        #[derive(FromQueryResult)]
        struct Live {
            live: i64,
        }
        let mut sql = Sql::with("SELECT count(*) AS live FROM sessions WHERE family_id = ?", family_id.to_owned());
        sql.push(" AND employee_id = ")
            .bind(employee_id)
            .push(" AND revoked_at IS NULL AND expires_at > ")
            .bind(now)
            .push(" AND NOT EXISTS (SELECT 1 FROM sessions r WHERE r.family_id = ")
            .bind(family_id.to_owned())
            .push(" AND r.revoked_at IS NOT NULL)");
        Ok(self.one::<Live>(sql).await?.is_some_and(|row| row.live > 0))
    }

    /// Whether any token of a family was revoked (the whole family is dead).
    pub async fn family_revoked(&self, family_id: &str) -> Result<bool, StoreError> {
        #[derive(FromQueryResult)]
        struct Revoked {
            n: i64,
        }
        let sql = Sql::with(
            "SELECT count(*) AS n FROM sessions WHERE family_id = ? AND revoked_at IS NOT NULL",
            family_id.to_owned(),
        );
        Ok(self.one::<Revoked>(sql).await?.is_some_and(|row| row.n > 0))
    }

    /// The tokens of a family issued at or after `since` (UTC epoch ms):
    /// after a refresh at `since`, the pair it issued and anything later.
    pub async fn issued_since(&self, family_id: &str, since: i64) -> Result<Vec<SessionRecord>, StoreError> {
        let mut sql = Sql::with(
            "SELECT id, family_id, employee_id, expires_at, used_at, revoked_at FROM sessions WHERE family_id = ?",
            family_id.to_owned(),
        );
        sql.push(" AND issued_at >= ").bind(since);
        let rows = self.tx.query_all_raw(sql.build(self.backend)).await?;
        rows.iter().map(|row| SessionRecord::from_query_result(row, "").map_err(StoreError::from)).collect()
    }

    /// Retires a token that never reached its client: used and expired at
    /// `now`, so presenting it later counts as reuse.  (An exchanged token
    /// always expires after its use; a retired one does not.)
    pub async fn retire(&self, session_id: i64, now: i64) -> Result<(), StoreError> {
        let mut sql = Sql::with("UPDATE sessions SET used_at = ?", now);
        sql.push(", expires_at = ").bind(now).push(" WHERE id = ").bind(session_id).push(" AND used_at IS NULL");
        self.run(sql).await.map(drop)
    }

    /// How many employees exist (zero only before the first manager).
    pub async fn employee_count(&self) -> Result<i64, StoreError> {
        #[derive(FromQueryResult)]
        struct Count {
            n: i64,
        }
        if self.backend == Backend::Postgres {
            // Two first managers created at once: the second waits here and
            // then sees the first.
            self.run(Sql::new("SELECT pg_advisory_xact_lock(7262023)")).await?;
        }
        Ok(self.one::<Count>(Sql::new("SELECT count(*) AS n FROM employees")).await?.map_or(0, |row| row.n))
    }

    /// Creates an employee with a password verifier (the first manager, who
    /// has nobody to act for them); returns the new id.
    pub async fn create_employee(&self, new: NewEmployee, password_hash: String) -> Result<i64, StoreError> {
        employees::insert(&self.tx, new, password_hash).await
    }

    /// Records an audit entry in this transaction.
    pub async fn audit(&self, at: i64, entry: NewAuditEntry) -> Result<(), StoreError> {
        audit::write(&self.tx, self.backend, at, entry).await
    }
}
