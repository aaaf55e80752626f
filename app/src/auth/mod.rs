//! Authentication: password rules and argon2id hashing, signed session
//! tokens, the session authority that logs people in and checks every
//! command's session, lockouts, and where tokens are kept on this machine.

pub mod authority;
pub mod database;
pub mod lockout;
pub mod password;
pub mod secrets;
pub mod tokens;

pub use authority::{LocalAuthority, Session, SessionAuthority, Tokens};
pub use database::DatabaseAuthority;

use crate::error::{Failure, FailureKind};
use crate::store::StoreError;

/// Why authentication refused, or could not be done.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// Unknown address or wrong password: the message never says which.
    #[error("Wrong email or password.")]
    WrongCredentials,
    /// Too many failures for this address.
    #[error("{}", locked_message(*until_ms, *now_ms))]
    Locked {
        /// When logins are accepted again (UTC epoch ms).
        until_ms: i64,
        /// The time of the refusal (UTC epoch ms).
        now_ms: i64,
    },
    /// The current password given to change it is wrong.
    #[error("The current password is wrong.")]
    WrongPassword,
    /// The account is deactivated.
    #[error("This account is deactivated: ask a manager to reactivate it.")]
    Deactivated,
    /// No stored session for this database.
    #[error("You are not logged in: run `epic-crm login --email you@example.com`.")]
    NotLoggedIn,
    /// The session was revoked, expired, or its token is not valid.
    #[error("{0}")]
    SessionEnded(String),
    /// The account must choose a new password first.
    #[error("Your password must be changed before anything else: run `epic-crm password`.")]
    PasswordChangePending,
    /// A new password breaks a rule.
    #[error("{0}")]
    WeakPassword(String),
    /// The request breaks a rule (such as a first employee outside MANAGEMENT).
    #[error("{0}")]
    Invalid(String),
    /// The employee's department does not allow this.
    #[error("{0}")]
    Forbidden(String),
    /// The token store cannot be used (unwritable, unreachable keyring).
    #[error("{0}")]
    Storage(String),
    /// A token file or folder others could read: refused, not used.
    #[error("{0}")]
    InsecureStorage(String),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A bug or an OS failure (random generator, hashing).
    #[error("Authentication failed unexpectedly ({0}).")]
    Internal(String),
}

impl AuthError {
    /// The usual "log in again" ending of a session.
    pub fn session_ended() -> AuthError {
        AuthError::SessionEnded(
            "Your session has ended (it expired, was ended, or belongs to another database): log in again with `epic-crm login`."
                .into(),
        )
    }
}

fn locked_message(until_ms: i64, now_ms: i64) -> String {
    // Rounded up: "60 seconds" while any part of the 60th remains.
    let seconds = ((until_ms - now_ms).max(1000) + 999).div_euclid(1000);
    let wait = if seconds < 90 { format!("{seconds} seconds") } else { format!("{} minutes", (seconds + 59) / 60) };
    let at = chrono::DateTime::from_timestamp_millis(until_ms)
        .map(|at| at.with_timezone(&chrono::Local).format("%H:%M:%S").to_string())
        .unwrap_or_default();
    format!(
        "Too many failed logins for this address: try again in {wait} (at {at}), or ask a manager to unlock the account."
    )
}

impl From<AuthError> for Failure {
    fn from(err: AuthError) -> Failure {
        let kind = match err {
            AuthError::Store(store) => return Failure::from(store),
            AuthError::WeakPassword(_) | AuthError::Invalid(_) => FailureKind::InvalidInput,
            AuthError::Forbidden(_) => FailureKind::PermissionDenied,
            AuthError::Storage(_) => FailureKind::Unexpected,
            AuthError::Internal(ref detail) => {
                tracing::error!(detail, "authentication failed unexpectedly");
                FailureKind::Unexpected
            }
            // Wrong credentials, lockout, deactivation, no or ended session,
            // pending password change, a token file others could read.
            _ => FailureKind::Unauthenticated,
        };
        Failure::new(kind, err.to_string())
    }
}
