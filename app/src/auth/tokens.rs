//! Session tokens: HS256 JWTs with every claim required and checked, and
//! the per-install signing key they are signed with.
//!
//! Access and refresh tokens carry different audiences, so one can never
//! stand in for the other.  Times are checked here against the authority's
//! clock, with an explicit leeway, because the jsonwebtoken crate neither
//! requires `iat` nor rejects one in the future.

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::TryRngCore;
use rand::rngs::OsRng;
use serde::{Deserialize, Serialize};

use super::AuthError;

/// The `iss` of every token.
pub const ISSUER: &str = "epic-crm";
/// The `aud` of access tokens.
pub const ACCESS_AUDIENCE: &str = "epic-crm/access";
/// The `aud` of refresh tokens.
pub const REFRESH_AUDIENCE: &str = "epic-crm/refresh";
/// Clock difference tolerated on `exp` and `iat`, in seconds (at most 30 by
/// SECURITY.md; the crate's own default is 60).
pub const LEEWAY_SECONDS: i64 = 10;
/// Bytes of the signing key: 256 bits.
pub const KEY_BYTES: usize = 32;

/// Which of the two tokens of a session.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenKind {
    /// Short-lived, presented on every command.
    Access,
    /// Long-lived, exchanged once for a new pair.
    Refresh,
}

impl TokenKind {
    fn audience(self) -> &'static str {
        match self {
            TokenKind::Access => ACCESS_AUDIENCE,
            TokenKind::Refresh => REFRESH_AUDIENCE,
        }
    }
}

/// The claims of both tokens.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// Issuer, always [`ISSUER`].
    pub iss: String,
    /// The employee id, as a string as JWT wants.
    pub sub: String,
    /// [`ACCESS_AUDIENCE`] or [`REFRESH_AUDIENCE`].
    pub aud: String,
    /// Expiry, UTC epoch seconds.
    pub exp: i64,
    /// Issue time, UTC epoch seconds.
    pub iat: i64,
    /// The session family (one per login).
    pub fam: String,
    /// A random id, so that two tokens issued in the same second differ.
    pub jti: String,
}

impl Claims {
    /// The employee the token was issued to.
    pub fn employee_id(&self) -> Result<i64, AuthError> {
        self.sub.parse().map_err(|_| AuthError::session_ended())
    }
}

/// The HMAC key tokens are signed with: at least 256 bits from the OS
/// random generator, kept in the OS keyring or the private token file.
#[derive(Clone)]
pub struct SigningKey(Vec<u8>);

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SigningKey(…)")
    }
}

impl SigningKey {
    /// A new random key.
    pub fn generate() -> Result<SigningKey, AuthError> {
        let mut bytes = vec![0u8; KEY_BYTES];
        OsRng.try_fill_bytes(&mut bytes).map_err(|err| AuthError::Internal(format!("random key: {err}")))?;
        Ok(SigningKey(bytes))
    }

    /// A key read back from storage (hex); refused when shorter than 256 bits.
    pub fn from_hex(text: &str) -> Result<SigningKey, AuthError> {
        let bytes = from_hex(text.trim()).filter(|bytes| bytes.len() >= KEY_BYTES).ok_or_else(|| {
            AuthError::Storage("The stored signing key is damaged: log in again to replace it.".into())
        })?;
        Ok(SigningKey(bytes))
    }

    /// The key as hex, for storage.
    pub fn to_hex(&self) -> String {
        to_hex(&self.0)
    }

    /// Signs a token of `kind` for an employee's session family.
    pub fn mint(
        &self,
        kind: TokenKind,
        employee_id: i64,
        family: &str,
        now_ms: i64,
        lifetime_seconds: i64,
    ) -> Result<String, AuthError> {
        let iat = now_ms.div_euclid(1000);
        let claims = Claims {
            iss: ISSUER.into(),
            sub: employee_id.to_string(),
            aud: kind.audience().into(),
            exp: iat + lifetime_seconds,
            iat,
            fam: family.into(),
            jti: random_id()?,
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &EncodingKey::from_secret(&self.0))
            .map_err(|err| AuthError::Internal(format!("signing a token: {err}")))
    }

    /// Checks a token of `kind`: algorithm HS256 only, signature, issuer,
    /// audience, every claim present, not expired and not issued in the
    /// future (both beyond [`LEEWAY_SECONDS`]).
    pub fn verify(&self, kind: TokenKind, token: &str, now_ms: i64) -> Result<Claims, AuthError> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.algorithms = vec![Algorithm::HS256];
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[kind.audience()]);
        validation.set_required_spec_claims(&["iss", "sub", "aud", "exp"]);
        validation.leeway = LEEWAY_SECONDS as u64;
        // Expiry is checked below against the authority's clock.
        validation.validate_exp = false;
        validation.validate_nbf = false;
        let data =
            jsonwebtoken::decode::<Claims>(token, &DecodingKey::from_secret(&self.0), &validation).map_err(|err| {
                tracing::info!(reason = ?err.kind(), ?kind, "token refused");
                AuthError::session_ended()
            })?;
        let claims = data.claims;
        let now = now_ms.div_euclid(1000);
        if claims.exp + LEEWAY_SECONDS < now {
            tracing::info!(?kind, "token refused: expired");
            return Err(AuthError::session_ended());
        }
        if claims.iat > now + LEEWAY_SECONDS || claims.iat > claims.exp {
            tracing::info!(?kind, "token refused: issued in the future");
            return Err(AuthError::session_ended());
        }
        Ok(claims)
    }
}

/// When a token expires (UTC epoch seconds), read without checking the
/// signature: the client only uses it to decide when to refresh.
pub fn expiry_unverified(token: &str) -> Option<i64> {
    jsonwebtoken::dangerous::insecure_decode::<Claims>(token).ok().map(|data| data.claims.exp)
}

/// 128 random bits as hex, for token ids and session families.
pub fn random_id() -> Result<String, AuthError> {
    let mut bytes = [0u8; 16];
    OsRng.try_fill_bytes(&mut bytes).map_err(|err| AuthError::Internal(format!("random id: {err}")))?;
    Ok(to_hex(&bytes))
}

/// SHA-256 of a text, as hex: how refresh tokens and lockout addresses are
/// stored, so the database never holds a usable token.
pub fn digest(text: &str) -> String {
    use sha2::Digest;
    to_hex(&sha2::Sha256::digest(text.as_bytes()))
}

fn to_hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}

fn from_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok()).collect()
}

#[cfg(test)]
mod tests {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    use super::*;

    const NOW: i64 = 1_800_000_000_000;

    fn key() -> SigningKey {
        SigningKey::generate().expect("key")
    }

    fn forge(header: &str, claims: &serde_json::Value, signature: &str) -> String {
        format!("{}.{}.{signature}", URL_SAFE_NO_PAD.encode(header), URL_SAFE_NO_PAD.encode(claims.to_string()))
    }

    fn claims_json(aud: &str, iat: i64, exp: i64) -> serde_json::Value {
        serde_json::json!({"iss": ISSUER, "sub": "7", "aud": aud, "iat": iat, "exp": exp, "fam": "f", "jti": "j"})
    }

    #[test]
    fn a_fresh_token_verifies() {
        let key = key();
        let token = key.mint(TokenKind::Access, 7, "family", NOW, 900).expect("mint");
        let claims = key.verify(TokenKind::Access, &token, NOW).expect("valid");
        assert_eq!(claims.employee_id().expect("id"), 7);
        assert_eq!(claims.fam, "family");
        assert_eq!(claims.aud, ACCESS_AUDIENCE);
        assert_eq!(expiry_unverified(&token), Some(NOW / 1000 + 900));
    }

    #[test]
    fn tampered_tokens_are_refused() {
        let key = key();
        let token = key.mint(TokenKind::Access, 7, "family", NOW, 900).expect("mint");

        // Signed with another key.
        let other = SigningKey::generate().expect("key").mint(TokenKind::Access, 7, "family", NOW, 900).expect("mint");
        assert!(key.verify(TokenKind::Access, &other, NOW).is_err());

        // Claims edited after signing (employee 7 → 1).
        let parts: Vec<&str> = token.split('.').collect();
        let mut claims: serde_json::Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).expect("b64")).expect("json");
        claims["sub"] = "1".into();
        let edited = format!("{}.{}.{}", parts[0], URL_SAFE_NO_PAD.encode(claims.to_string()), parts[2]);
        assert!(key.verify(TokenKind::Access, &edited, NOW).is_err());

        // alg: none, with and without a signature.
        let none =
            forge(r#"{"alg":"none","typ":"JWT"}"#, &claims_json(ACCESS_AUDIENCE, NOW / 1000, NOW / 1000 + 900), "");
        assert!(key.verify(TokenKind::Access, &none, NOW).is_err());
        let none = format!("{none}{}", parts[2]);
        assert!(key.verify(TokenKind::Access, &none, NOW).is_err());

        // Another algorithm of the same family, correctly signed.
        let hs512 = jsonwebtoken::encode(
            &Header::new(Algorithm::HS512),
            &claims_json(ACCESS_AUDIENCE, NOW / 1000, NOW / 1000 + 900),
            &EncodingKey::from_secret(&key.0),
        )
        .expect("encode");
        assert!(key.verify(TokenKind::Access, &hs512, NOW).is_err());

        // Garbage.
        assert!(key.verify(TokenKind::Access, "not.a.token", NOW).is_err());
        assert!(key.verify(TokenKind::Access, "", NOW).is_err());
    }

    #[test]
    fn audiences_keep_the_two_tokens_apart() {
        let key = key();
        let refresh = key.mint(TokenKind::Refresh, 7, "family", NOW, 3600).expect("mint");
        assert!(key.verify(TokenKind::Access, &refresh, NOW).is_err(), "refresh used as access");
        let access = key.mint(TokenKind::Access, 7, "family", NOW, 900).expect("mint");
        assert!(key.verify(TokenKind::Refresh, &access, NOW).is_err(), "access used as refresh");
        let wrong = jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims_json("someone-else", NOW / 1000, NOW / 1000 + 900),
            &EncodingKey::from_secret(&key.0),
        )
        .expect("encode");
        assert!(key.verify(TokenKind::Access, &wrong, NOW).is_err(), "wrong audience");
    }

    #[test]
    fn expiry_and_issue_time_are_checked_with_the_leeway() {
        let key = key();
        let token = key.mint(TokenKind::Access, 7, "family", NOW, 60).expect("mint");
        let expiry_ms = NOW + 60_000;
        assert!(key.verify(TokenKind::Access, &token, expiry_ms + LEEWAY_SECONDS * 1000).is_ok(), "within leeway");
        assert!(key.verify(TokenKind::Access, &token, expiry_ms + (LEEWAY_SECONDS + 1) * 1000).is_err());

        // Issued in the future (a clock far ahead, or a forged token).
        let future = key.mint(TokenKind::Access, 7, "family", NOW + 3_600_000, 900).expect("mint");
        assert!(key.verify(TokenKind::Access, &future, NOW).is_err());
        let near_future = key.mint(TokenKind::Access, 7, "family", NOW + 5_000, 900).expect("mint");
        assert!(key.verify(TokenKind::Access, &near_future, NOW).is_ok(), "small clock skew is tolerated");
    }

    #[test]
    fn every_claim_is_required() {
        let key = key();
        for missing in ["iss", "sub", "aud", "exp", "iat", "fam", "jti"] {
            let mut claims = claims_json(ACCESS_AUDIENCE, NOW / 1000, NOW / 1000 + 900);
            claims.as_object_mut().expect("object").remove(missing);
            let token =
                jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &EncodingKey::from_secret(&key.0))
                    .expect("encode");
            assert!(key.verify(TokenKind::Access, &token, NOW).is_err(), "token without {missing} accepted");
        }
    }

    #[test]
    fn keys_round_trip_through_hex_and_short_ones_are_refused() {
        let key = key();
        assert_eq!(SigningKey::from_hex(&key.to_hex()).expect("parse").0, key.0);
        assert!(SigningKey::from_hex("abcd").is_err());
        assert!(SigningKey::from_hex("zz").is_err());
        assert_eq!(digest("abc").len(), 64);
    }
}
