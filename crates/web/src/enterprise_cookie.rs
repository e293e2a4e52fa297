//! The enterprise's pass: once `/q/{code}` has found the enterprise (a throttled lookup),
//! the browser gets a cookie saying so, and the questionnaire pages trust it instead of
//! looking the code up again (each lookup writes a throttle row; a questionnaire page must
//! not). The cookie is `{enterprise id}.{code-hash prefix}.{expiry ms}.{HMAC-SHA256}`, keyed
//! by a secret of the database (`store_secrets`), so every `serve` process accepts it and
//! nobody can make one. The code-hash prefix ties it to one code: enterprise A's pass is no
//! use on enterprise B's link, and a revoked-and-reissued code needs the new link.

use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};
use yinqi_domain::invitation::InvitationCode;

/// The pass cookie.
pub const ENTERPRISE_COOKIE: &str = "yinqi_ent";
/// The double-submit CSRF cookie of the enterprise's pages (forms and the JSON posts).
pub const ENTERPRISE_CSRF_COOKIE: &str = "yinqi_ent_csrf";
/// How long a pass lasts; the link itself never expires while its code is in force.
pub const PASS_DAYS: i64 = 30;

/// A verified pass.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pass {
    pub enterprise_id: i64,
    /// Hex of the first 8 bytes of the code's SHA-256.
    pub code_prefix: String,
    pub expires_at: i64,
}

impl Pass {
    /// Whether this pass was made for `code`.
    pub fn is_for(&self, code: &InvitationCode) -> bool {
        self.code_prefix == code_prefix(code)
    }
}

/// Hex of the first 8 bytes of the SHA-256 of `code` (its canonical text).
pub fn code_prefix(code: &InvitationCode) -> String {
    Sha256::digest(code.as_str().as_bytes())[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn mac(key: &[u8], payload: &str) -> Hmac<Sha256> {
    let mut mac =
        <Hmac<Sha256> as KeyInit>::new_from_slice(key).expect("HMAC takes a key of any length");
    mac.update(payload.as_bytes());
    mac
}

/// The cookie value of a pass for `enterprise_id` holding `code`, valid until `expires_at`.
pub fn sign(key: &[u8], enterprise_id: i64, code: &InvitationCode, expires_at: i64) -> String {
    let payload = format!("{enterprise_id}.{}.{expires_at}", code_prefix(code));
    let tag: String = mac(key, &payload)
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("{payload}.{tag}")
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).ok())
        .collect()
}

/// The pass in `value` if its signature is right (compared in constant time) and it has not
/// expired at `now`.
pub fn verify(key: &[u8], value: &str, now: i64) -> Option<Pass> {
    let (payload, tag) = value.rsplit_once('.')?;
    let tag = unhex(tag)?;
    mac(key, payload).verify_slice(&tag).ok()?;
    let mut parts = payload.split('.');
    let enterprise_id = parts.next()?.parse().ok()?;
    let code_prefix = parts.next()?.to_owned();
    let expires_at: i64 = parts.next()?.parse().ok()?;
    if parts.next().is_some() || expires_at <= now {
        return None;
    }
    Some(Pass {
        enterprise_id,
        code_prefix,
        expires_at,
    })
}

/// A `Set-Cookie` value for the enterprise's pages: only sent to `/q…`, HttpOnly,
/// SameSite=Lax, Secure when configured. `max_age_secs` 0 clears it.
pub fn set_cookie(name: &str, value: &str, max_age_secs: i64, secure: bool) -> String {
    format!(
        "{name}={value}; Path=/q; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{}",
        if secure { "; Secure" } else { "" }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(n: u8) -> InvitationCode {
        InvitationCode::from_random(&[n; 24]).expect("a code from these bytes")
    }

    #[test]
    fn a_signed_pass_verifies_until_it_expires() {
        let key = [7u8; 32];
        let value = sign(&key, 42, &code(1), 1_000);
        let pass = verify(&key, &value, 999).expect("valid");
        assert_eq!(pass.enterprise_id, 42);
        assert!(pass.is_for(&code(1)));
        assert!(!pass.is_for(&code(2)));
        assert_eq!(verify(&key, &value, 1_000), None, "expired");
    }

    #[test]
    fn a_tampered_or_foreign_pass_is_refused() {
        let key = [7u8; 32];
        let value = sign(&key, 42, &code(1), 1_000);
        assert_eq!(
            verify(&[8u8; 32], &value, 0),
            None,
            "another database's key"
        );
        let other_id = value.replacen("42.", "43.", 1);
        assert_eq!(verify(&key, &other_id, 0), None);
        let later = value.replace(".1000.", ".9999999.");
        assert_eq!(verify(&key, &later, 0), None);
        for junk in ["", ".", "42", "42.ab.1000", "42.ab.1000.zz", "a.b.c.d.e"] {
            assert_eq!(verify(&key, junk, 0), None, "{junk:?}");
        }
        let mut flipped = value.clone().into_bytes();
        let last = flipped.len() - 1;
        flipped[last] = if flipped[last] == b'0' { b'1' } else { b'0' };
        assert_eq!(verify(&key, &String::from_utf8(flipped).unwrap(), 0), None);
    }

    #[test]
    fn cookies_stay_on_the_enterprise_pages() {
        let c = set_cookie(ENTERPRISE_COOKIE, "v", 60, true);
        assert!(c.contains("Path=/q;") && c.contains("HttpOnly") && c.contains("SameSite=Lax"));
        assert!(c.ends_with("; Secure"));
        assert!(!set_cookie(ENTERPRISE_COOKIE, "v", 60, false).contains("Secure"));
    }
}
