//! The key that signs an enterprise's browser cookie (the web layer's `yinqi_ent`): random,
//! made on first open and kept in `store_secrets` beside the IP salt, so every `yinqi serve`
//! process sharing the database accepts the cookies of the others, and a restart does not
//! send every enterprise back to its link.

use crate::db::{Conn, ConnExt};
use crate::error::{Result, StoreError};
use crate::{Store, params};

const COOKIE_KEY: &str = "enterprise_cookie_key";

/// Creates the cookie key if the database has none (on open, in the migration transaction).
pub(crate) fn seed_cookie_key(c: &mut dyn Conn) -> Result<()> {
    let mut key = [0u8; 32];
    getrandom::fill(&mut key).expect("the operating system's random source is available");
    c.execute(
        "INSERT INTO store_secrets (name, value) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        params![COOKIE_KEY, &key[..]],
    )?;
    Ok(())
}

impl Store {
    /// The 32-byte key for the enterprise cookie's HMAC, read once: it never changes.
    /// Server-internal: no scope, never shown to anyone.
    pub fn enterprise_cookie_key(&self) -> Result<Vec<u8>> {
        if let Some(key) = self.cookie_key.get() {
            return Ok(key.clone());
        }
        let key = self.read(|c| {
            c.query_one(
                "SELECT value FROM store_secrets WHERE name = $1",
                params![COOKIE_KEY],
                |r| {
                    r.opt_bytes(0)?
                        .ok_or_else(|| StoreError::Decode("cookie key is NULL".into()))
                },
            )
        })?;
        Ok(self.cookie_key.get_or_init(|| key).clone())
    }
}
