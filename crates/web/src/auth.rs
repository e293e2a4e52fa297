//! Who is calling: passwords (argon2id), session and API tokens (random, stored only as
//! SHA-256 hashes), cookies, CSRF tokens and login throttling.

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use axum::http::HeaderMap;
use axum::http::header::{AUTHORIZATION, COOKIE};
use sha2::{Digest, Sha256};
use yinqi_store::{Scope, Store, StoreError, User};

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "yinqi_session";
/// The double-submit cookie that protects the login form (there is no session yet).
pub const LOGIN_CSRF_COOKIE: &str = "yinqi_login_csrf";

/// Failed logins allowed per account in [`LOGIN_WINDOW_MS`] before it is locked for the
/// rest of the window.
pub const ACCOUNT_FAILURES_ALLOWED: i64 = 5;
/// Login attempts allowed per client address in [`LOGIN_WINDOW_MS`].
pub const CLIENT_ATTEMPTS_ALLOWED: i64 = 30;
pub const LOGIN_WINDOW_MS: i64 = 15 * 60 * 1000;

/// Hashes a password with argon2id and a random salt (PHC string).
pub fn hash_password(password: &str) -> Result<String, String> {
    check_password_rules(password)?;
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| format!("无法生成密码摘要：{e}"))
}

/// Whether `password` matches the PHC string `hash`.
pub fn verify_password(password: &str, hash: &str) -> bool {
    Argon2::default()
        .verify_password(password.as_bytes(), hash)
        .is_ok()
}

/// Spends the time a real verification would, so an unknown username answers no faster
/// than a wrong password.
pub fn verify_nothing(password: &str) {
    static DUMMY: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        Argon2::default()
            .hash_password(b"yinqi-timing-equaliser")
            .map(|h| h.to_string())
            .unwrap_or_default()
    });
    let _ = verify_password(password, &DUMMY);
}

/// The rules a new password must meet (shown to the user when it does not).
pub fn check_password_rules(password: &str) -> Result<(), String> {
    let chars = password.chars().count();
    if !(10..=128).contains(&chars) {
        return Err("密码长度应为 10–128 个字符".into());
    }
    let letters = password.chars().any(|c| c.is_alphabetic());
    let digits = password.chars().any(|c| c.is_ascii_digit());
    if !(letters && digits) {
        return Err("密码须同时包含字母和数字".into());
    }
    Ok(())
}

/// 32 random bytes from the operating system, as 64 hex digits.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the operating system's random source is available");
    hex(&bytes)
}

/// SHA-256 of `text`, as hex: how tokens are stored and looked up.
pub fn sha256_hex(text: &str) -> String {
    hex(&Sha256::digest(text.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A cookie's value from the request's `Cookie` headers.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Lax, Secure when configured.
pub fn set_cookie(name: &str, value: &str, max_age_secs: i64, secure: bool) -> String {
    format!(
        "{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{}",
        if secure { "; Secure" } else { "" }
    )
}

/// Compares two secrets in time independent of where they differ.
pub fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// Who made a request.
#[derive(Clone, Debug)]
pub struct Caller {
    /// The logged-in person; `None` for a bank's API token.
    pub user: Option<User>,
    pub scope: Scope,
    /// The name written to the audit log.
    pub actor: String,
    /// The session's CSRF token (cookie sessions only).
    pub csrf: Option<String>,
    /// The session id's hash (cookie sessions only).
    pub session_hash: Option<String>,
}

impl Caller {
    /// Whether a state-changing request carries this session's CSRF token (API-token
    /// callers are not exposed to CSRF: browsers never send their header by themselves).
    pub fn csrf_ok(&self, presented: Option<&str>) -> bool {
        match (&self.csrf, presented) {
            (None, _) => self.session_hash.is_none(),
            (Some(expected), Some(given)) => same_secret(expected, given),
            (Some(_), None) => false,
        }
    }
}

/// Identifies the caller from a `Bearer` API token or the session cookie.
pub fn identify(store: &Store, headers: &HeaderMap) -> Result<Option<Caller>, StoreError> {
    if let Some(token) = headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
    {
        return Ok(store
            .bank_for_token(&sha256_hex(token.trim()))?
            .map(|bank_id| Caller {
                user: None,
                scope: Scope::Bank {
                    bank_id,
                    bureau: None,
                },
                actor: format!(
                    "api-token:{}",
                    &token.trim().chars().take(8).collect::<String>()
                ),
                csrf: None,
                session_hash: None,
            }));
    }
    let Some(id) = cookie(headers, SESSION_COOKIE) else {
        return Ok(None);
    };
    let hash = sha256_hex(&id);
    Ok(store.session(&hash)?.map(|s| Caller {
        scope: s.user.scope(),
        actor: s.user.username.clone(),
        user: Some(s.user),
        csrf: Some(s.csrf_token),
        session_hash: Some(hash),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_hash_and_verify() {
        let hash = hash_password("longenough123").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("longenough123", &hash));
        assert!(!verify_password("longenough124", &hash));
        assert!(!verify_password("longenough123", "not a hash"));
    }

    #[test]
    fn weak_passwords_are_refused() {
        assert!(hash_password("short1").is_err());
        assert!(hash_password("onlyletterslong").is_err());
        assert!(hash_password("12345678901").is_err());
    }

    #[test]
    fn cookies_are_read_from_any_cookie_header() {
        let mut h = HeaderMap::new();
        h.append(COOKIE, "a=1; yinqi_session=abc".parse().unwrap());
        h.append(COOKIE, "b=2".parse().unwrap());
        assert_eq!(cookie(&h, SESSION_COOKIE).as_deref(), Some("abc"));
        assert_eq!(cookie(&h, "b").as_deref(), Some("2"));
        assert_eq!(cookie(&h, "c"), None);
        assert!(set_cookie("x", "y", 60, true).ends_with("; Secure"));
        assert!(!set_cookie("x", "y", 60, false).contains("Secure"));
    }

    #[test]
    fn tokens_are_random_and_hashes_stable() {
        assert_ne!(random_token(), random_token());
        assert_eq!(random_token().len(), 64);
        assert_eq!(
            sha256_hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert!(same_secret("abc", "abc") && !same_secret("abc", "abd") && !same_secret("a", "ab"));
    }
}
