//! Passwords: the rules a new password must meet, and argon2id hashing
//! with the costs from the configuration.

use std::collections::HashSet;
use std::sync::LazyLock;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use rand::TryRngCore;
use rand::rngs::OsRng;

use super::AuthError;
use crate::config::AuthSettings;

/// The shortest password accepted, in characters.
pub const MIN_LENGTH: usize = 8;
/// The longest password accepted, in characters.
pub const MAX_LENGTH: usize = 128;

static COMMON: LazyLock<HashSet<String>> = LazyLock::new(|| {
    include_str!("../../../assets/security/common-passwords.txt")
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(str::to_lowercase)
        .collect()
});

/// Checks a new password: length, not a common password, not the
/// account's own email address.  The message says what to change.
pub fn check_new(password: &str, email: &str) -> Result<(), AuthError> {
    let length = password.chars().count();
    if length < MIN_LENGTH {
        return Err(AuthError::WeakPassword(format!(
            "The password is too short ({length} characters): use at least {MIN_LENGTH}."
        )));
    }
    if length > MAX_LENGTH {
        return Err(AuthError::WeakPassword(format!(
            "The password is too long ({length} characters): use at most {MAX_LENGTH}."
        )));
    }
    let lowered = password.to_lowercase();
    if COMMON.contains(&lowered) {
        return Err(AuthError::WeakPassword(
            "This password is among the most common ones and easy to guess: choose another.".into(),
        ));
    }
    let email = email.trim().to_lowercase();
    let local_part = email.split('@').next().unwrap_or_default();
    if lowered == email || (!local_part.is_empty() && lowered == local_part) {
        return Err(AuthError::WeakPassword("The password must not be the email address: choose another.".into()));
    }
    Ok(())
}

/// argon2id with the configured costs.
#[derive(Clone, Debug)]
pub struct Hashing {
    params: Params,
}

impl Hashing {
    /// The costs from the settings (checked there against the OWASP minimum).
    pub fn from_settings(settings: &AuthSettings) -> Result<Hashing, AuthError> {
        let params = Params::new(settings.argon2_memory_kib, settings.argon2_iterations, 1, None)
            .map_err(|err| AuthError::Internal(format!("argon2 parameters: {err}")))?;
        Ok(Hashing { params })
    }

    fn argon2(&self) -> Argon2<'static> {
        Argon2::new(Algorithm::Argon2id, Version::V0x13, self.params.clone())
    }

    /// A PHC string (`$argon2id$v=19$m=…`) for a password, with a fresh salt
    /// from the OS random generator.
    pub fn hash(&self, password: &str) -> Result<String, AuthError> {
        let mut salt = [0u8; 16];
        OsRng.try_fill_bytes(&mut salt).map_err(|err| AuthError::Internal(format!("random salt: {err}")))?;
        let salt = SaltString::encode_b64(&salt).map_err(|err| AuthError::Internal(format!("salt: {err}")))?;
        self.argon2()
            .hash_password(password.as_bytes(), &salt)
            .map(|hash| hash.to_string())
            .map_err(|err| AuthError::Internal(format!("hashing a password: {err}")))
    }

    /// Whether `password` matches the stored string (with the costs written
    /// in it): an argon2id PHC string, or the portable verifier form that
    /// imported credentials take (see [`Verifier`]).  A malformed string
    /// never matches.
    pub fn verify(&self, password: &str, phc: &str) -> bool {
        if let Some(verifier) = Verifier::from_portable_phc(phc) {
            return verifier.matches(password);
        }
        match PasswordHash::new(phc) {
            Ok(parsed) => Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok(),
            Err(_) => false,
        }
    }

    /// Spends the same time as [`Hashing::verify`] against a stored hash, for
    /// an address with no account, so response times do not tell which
    /// addresses exist.  Always false.
    pub fn verify_nobody(&self, password: &str) -> bool {
        // Any salt and digest do: only the costs decide the time taken.
        let dummy = format!(
            "$argon2id$v=19$m={},t={},p={}$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            self.params.m_cost(),
            self.params.t_cost(),
            self.params.p_cost()
        );
        let _ = self.verify(password, &dummy);
        false
    }

    /// Whether a stored hash was made with other costs than today's, so it
    /// should be replaced at the next successful login.
    pub fn is_outdated(&self, phc: &str) -> bool {
        if let Some(verifier) = Verifier::from_portable_phc(phc) {
            return (verifier.m_cost, verifier.t_cost, verifier.p_cost)
                != (self.params.m_cost(), self.params.t_cost(), self.params.p_cost());
        }
        let Ok(parsed) = PasswordHash::new(phc) else { return true };
        match Params::try_from(&parsed) {
            Ok(params) => {
                parsed.algorithm.as_str() != "argon2id"
                    || params.m_cost() != self.params.m_cost()
                    || params.t_cost() != self.params.t_cost()
                    || params.p_cost() != self.params.p_cost()
            }
            Err(_) => true,
        }
    }
}

/// Derives the 32-byte argon2id key of a password with the given salt and
/// costs: what PostgreSQL team mode sends instead of the password (the
/// database keeps only its SHA-256).  The same bytes as the hash part of
/// a PHC string made with that salt and those costs.
pub fn derive_key(password: &str, salt: &[u8], m_cost: u32, t_cost: u32, p_cost: u32) -> Result<Vec<u8>, AuthError> {
    let params = Params::new(m_cost, t_cost, p_cost, Some(KEY_BYTES))
        .map_err(|err| AuthError::Internal(format!("argon2 parameters: {err}")))?;
    let mut key = vec![0u8; KEY_BYTES];
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password_into(password.as_bytes(), salt, &mut key)
        .map_err(|err| AuthError::Internal(format!("deriving a key: {err}")))?;
    Ok(key)
}

/// Bytes of a derived key (argon2's usual output length).
pub const KEY_BYTES: usize = 32;

/// A password's new key: a fresh salt, the configured costs, the key.
#[derive(Clone)]
pub struct FreshKey {
    pub salt: Vec<u8>,
    pub m_cost: u32,
    pub t_cost: u32,
    pub p_cost: u32,
    pub key: Vec<u8>,
}

/// Never shows the key.
impl std::fmt::Debug for FreshKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FreshKey").field("m_cost", &self.m_cost).field("t_cost", &self.t_cost).finish_non_exhaustive()
    }
}

impl Hashing {
    /// A new key for `password` with a fresh 16-byte salt and today's costs.
    pub fn fresh_key(&self, password: &str) -> Result<FreshKey, AuthError> {
        let mut salt = vec![0u8; 16];
        OsRng.try_fill_bytes(&mut salt).map_err(|err| AuthError::Internal(format!("random salt: {err}")))?;
        let (m_cost, t_cost, p_cost) = (self.params.m_cost(), self.params.t_cost(), self.params.p_cost());
        let key = derive_key(password, &salt, m_cost, t_cost, p_cost)?;
        Ok(FreshKey { salt, m_cost, t_cost, p_cost, key })
    }
}

/// The identifier of the portable verifier form when it is stored as a
/// PHC-style string on SQLite.
const PORTABLE_ALGORITHM: &str = "argon2id-sha256";

/// A password verifier in the one form both backends can check: the
/// argon2id salt and costs, and SHA-256 of the key argon2id derives from
/// the password with them.  PostgreSQL team mode stores exactly this; an
/// SQLite PHC string converts to it without the password (its hash part
/// is the derived key), and SQLite stores it back as a PHC-style string
/// `$argon2id-sha256$v=19$m=…,t=…,p=…$SALT$DIGEST`.  Export bundles carry
/// it, so passwords survive SQLite → PostgreSQL → SQLite unchanged
/// (docs/decisions/0008-export-bundles.md).
#[derive(Clone, PartialEq, Eq)]
pub struct Verifier {
    /// The argon2id salt.
    pub salt: Vec<u8>,
    /// Memory cost in KiB.
    pub m_cost: u32,
    /// Iterations.
    pub t_cost: u32,
    /// Parallelism.
    pub p_cost: u32,
    /// SHA-256 of the derived key.
    pub digest: Vec<u8>,
}

/// Never shows the salt or digest.
impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Verifier").field("m_cost", &self.m_cost).field("t_cost", &self.t_cost).finish_non_exhaustive()
    }
}

impl Verifier {
    /// The verifier of any stored SQLite string: an argon2id PHC string
    /// (its hash digested) or the portable form.  `None` for anything else.
    pub fn from_stored(stored: &str) -> Option<Verifier> {
        if let Some(verifier) = Verifier::from_portable_phc(stored) {
            return Some(verifier);
        }
        let parsed = PasswordHash::new(stored).ok()?;
        if parsed.algorithm.as_str() != "argon2id" || parsed.version != Some(0x13) {
            return None;
        }
        let params = Params::try_from(&parsed).ok()?;
        let mut buffer = [0u8; 64];
        let salt = parsed.salt?.decode_b64(&mut buffer).ok()?.to_vec();
        let key = parsed.hash?;
        Some(Verifier {
            salt,
            m_cost: params.m_cost(),
            t_cost: params.t_cost(),
            p_cost: params.p_cost(),
            digest: <sha2::Sha256 as sha2::Digest>::digest(key.as_bytes()).to_vec(),
        })
    }

    /// The portable form written as a PHC-style string, if `stored` is one.
    pub fn from_portable_phc(stored: &str) -> Option<Verifier> {
        let rest = stored.strip_prefix("$")?.strip_prefix(PORTABLE_ALGORITHM)?.strip_prefix("$v=19$")?;
        let mut parts = rest.split('$');
        let (costs, salt, digest) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() {
            return None;
        }
        let mut m_cost = None;
        let mut t_cost = None;
        let mut p_cost = None;
        for pair in costs.split(',') {
            let (name, value) = pair.split_once('=')?;
            let value: u32 = value.parse().ok()?;
            match name {
                "m" => m_cost = Some(value),
                "t" => t_cost = Some(value),
                "p" => p_cost = Some(value),
                _ => return None,
            }
        }
        let decode = |text: &str| base64::Engine::decode(&base64::engine::general_purpose::STANDARD_NO_PAD, text).ok();
        let verifier = Verifier {
            salt: decode(salt)?,
            m_cost: m_cost?,
            t_cost: t_cost?,
            p_cost: p_cost?,
            digest: decode(digest)?,
        };
        verifier.is_well_formed().then_some(verifier)
    }

    /// The PHC-style string SQLite stores for this verifier.
    pub fn to_portable_phc(&self) -> String {
        let encode = |bytes: &[u8]| base64::Engine::encode(&base64::engine::general_purpose::STANDARD_NO_PAD, bytes);
        format!(
            "${PORTABLE_ALGORITHM}$v=19$m={},t={},p={}${}${}",
            self.m_cost,
            self.t_cost,
            self.p_cost,
            encode(&self.salt),
            encode(&self.digest)
        )
    }

    /// Whether the parts are within what both backends accept (the
    /// PostgreSQL CHECKs of migration 0005).
    pub fn is_well_formed(&self) -> bool {
        (8..=64).contains(&self.salt.len())
            && (8..=4_194_304).contains(&self.m_cost)
            && (1..=100).contains(&self.t_cost)
            && (1..=16).contains(&self.p_cost)
            && self.digest.len() == 32
    }

    /// Whether `password` derives the key this verifier digests.
    pub fn matches(&self, password: &str) -> bool {
        let Ok(key) = derive_key(password, &self.salt, self.m_cost, self.t_cost, self.p_cost) else { return false };
        let digest = <sha2::Sha256 as sha2::Digest>::digest(&key);
        // Constant time: the comparison must not tell how much matched.
        digest.len() == self.digest.len() && digest.iter().zip(&self.digest).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
    }
}

/// A one-time password for an account a manager reset: 16 characters from
/// an alphabet without look-alikes (no 0/O, 1/l/I), about 90 bits.
pub fn one_time() -> Result<String, AuthError> {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut bytes = [0u8; 16];
    OsRng.try_fill_bytes(&mut bytes).map_err(|err| AuthError::Internal(format!("random password: {err}")))?;
    // 256 is not a multiple of the alphabet's 55 letters; the slight bias
    // this leaves costs well under one bit of the ~90.
    Ok(bytes.iter().map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fast() -> Hashing {
        Hashing::from_settings(&AuthSettings {
            argon2_memory_kib: 64,
            argon2_iterations: 1,
            allow_weak_hashing_for_tests: true,
            ..AuthSettings::default()
        })
        .expect("params")
    }

    #[test]
    fn new_passwords_follow_the_rules() {
        assert!(check_new("short", "a@b.test").is_err());
        assert!(check_new(&"x".repeat(129), "a@b.test").is_err());
        assert!(check_new(&"x".repeat(128), "a@b.test").is_ok());
        assert!(check_new("Password123", "a@b.test").is_err(), "common, whatever the case");
        assert!(check_new("qwertyuiop", "a@b.test").is_err());
        assert!(check_new("jeanne.martin", "Jeanne.Martin@example.test").is_err());
        assert!(check_new("correct horse battery", "a@b.test").is_ok());
        // Characters, not bytes: eight accented letters are enough.
        assert!(check_new("éééééééé", "a@b.test").is_ok());
    }

    #[test]
    fn hashes_verify_and_record_their_costs() {
        let hashing = fast();
        let phc = hashing.hash("correct horse battery").expect("hash");
        assert!(phc.starts_with("$argon2id$v=19$m=64,t=1,p=1$"), "{phc}");
        assert!(hashing.verify("correct horse battery", &phc));
        assert!(!hashing.verify("correct horse batterY", &phc));
        assert!(!hashing.verify("anything", "not a hash"));
        assert!(!hashing.verify_nobody("correct horse battery"));
        assert!(!hashing.is_outdated(&phc));
        let production = Hashing::from_settings(&AuthSettings::default()).expect("params");
        assert!(production.is_outdated(&phc));
    }

    #[test]
    fn derived_keys_are_the_hash_of_a_phc_string() {
        // Credentials converted from PHC strings keep working in team mode:
        // the key derived from the PHC salt and costs is its hash part.
        let hashing = fast();
        let phc = hashing.hash("correct horse battery").expect("hash");
        let parsed = PasswordHash::new(&phc).expect("parse");
        let mut salt = [0u8; 64];
        let salt = parsed.salt.expect("salt").decode_b64(&mut salt).expect("salt bytes");
        let key = derive_key("correct horse battery", salt, 64, 1, 1).expect("derive");
        assert_eq!(key.as_slice(), parsed.hash.expect("hash").as_bytes());
        assert_ne!(derive_key("correct horse batterY", salt, 64, 1, 1).expect("derive"), key);
        let fresh = hashing.fresh_key("correct horse battery").expect("fresh");
        assert_eq!((fresh.salt.len(), fresh.key.len(), fresh.m_cost, fresh.t_cost), (16, 32, 64, 1));
        assert_eq!(derive_key("correct horse battery", &fresh.salt, 64, 1, 1).expect("derive"), fresh.key);
    }

    #[test]
    fn portable_verifiers_check_the_same_passwords_as_their_phc_string() {
        let hashing = fast();
        let phc = hashing.hash("correct horse battery").expect("hash");
        let verifier = Verifier::from_stored(&phc).expect("an argon2id PHC string converts");
        assert!(verifier.is_well_formed());
        assert!(verifier.matches("correct horse battery"));
        assert!(!verifier.matches("correct horse batterY"));
        let portable = verifier.to_portable_phc();
        assert!(portable.starts_with("$argon2id-sha256$v=19$m=64,t=1,p=1$"), "{portable}");
        assert_eq!(Verifier::from_stored(&portable).as_ref(), Some(&verifier), "the portable form reads back");
        assert!(hashing.verify("correct horse battery", &portable));
        assert!(!hashing.verify("correct horse batterY", &portable));
        assert!(!hashing.is_outdated(&portable));
        assert!(Hashing::from_settings(&AuthSettings::default()).expect("params").is_outdated(&portable));
        for broken in [
            "$argon2id-sha256$v=19$m=64,t=1$AAAAAAAAAAAAAAAAAAAAAA$AAAA",
            "$argon2id-sha256$v=19$m=64,t=1,p=1$AAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            "$argon2i$v=19$m=64,t=1,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            "not a hash",
        ] {
            assert!(Verifier::from_stored(broken).is_none(), "{broken}");
            assert!(!hashing.verify("correct horse battery", broken));
        }
    }

    #[test]
    fn default_costs_meet_the_owasp_minimum() {
        let hashing = Hashing::from_settings(&AuthSettings::default()).expect("params");
        let phc = hashing.hash("correct horse battery").expect("hash");
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
    }

    #[test]
    fn one_time_passwords_are_long_and_pass_the_rules() {
        let first = one_time().expect("random");
        assert_eq!(first.chars().count(), 16);
        assert!(check_new(&first, "a@b.test").is_ok());
        assert_ne!(first, one_time().expect("random"));
    }
}
