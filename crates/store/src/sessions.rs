//! Login sessions, throttling counters and API tokens — all in the database, so any number
//! of `yinqi serve` processes behind a load balancer see the same state.

use serde::Serialize;

use crate::db::{ConnExt, DbRow};
use crate::error::{Result, StoreError};
use crate::users::User;
use crate::{Store, now_millis, params};

/// A live session with its user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session {
    pub user: User,
    pub csrf_token: String,
    pub expires_at: i64,
}

/// A bank's API token as listed (never the token itself).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ApiToken {
    pub id: i64,
    pub bank_id: i64,
    pub name: String,
    pub prefix: String,
    pub created_by: String,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
    pub last_used_at: Option<i64>,
}

impl Store {
    /// Records a new session (the id arrives already hashed).
    pub fn create_session(
        &self,
        id_hash: &str,
        user_id: i64,
        csrf_token: &str,
        expires_at: i64,
        client: &str,
    ) -> Result<()> {
        let now = now_millis();
        self.write(|c| {
            c.execute(
                "INSERT INTO sessions (id_hash, user_id, csrf_token, created_at, expires_at, last_seen_at, client)
                 VALUES ($1, $2, $3, $4, $5, $4, $6)",
                params![id_hash, user_id, csrf_token, now, expires_at, client],
            )?;
            // Expired sessions are swept as new ones start, so the table does not grow.
            c.execute("DELETE FROM sessions WHERE expires_at < $1", params![now])?;
            Ok(())
        })
    }

    /// The live session with this id hash and its (active) user, if any.
    pub fn session(&self, id_hash: &str) -> Result<Option<Session>> {
        let now = now_millis();
        let found = self.read(|c| {
            c.query_opt(
                "SELECT user_id, csrf_token, expires_at FROM sessions WHERE id_hash = $1 AND expires_at > $2",
                params![id_hash, now],
                |r| Ok((r.i64(0)?, r.text(1)?, r.i64(2)?)),
            )
        })?;
        let Some((user_id, csrf_token, expires_at)) = found else {
            return Ok(None);
        };
        let user = self.user(user_id)?;
        Ok(user.active.then_some(Session {
            user,
            csrf_token,
            expires_at,
        }))
    }

    /// Ends one session.
    pub fn delete_session(&self, id_hash: &str) -> Result<()> {
        self.write(|c| {
            c.execute("DELETE FROM sessions WHERE id_hash = $1", params![id_hash])?;
            Ok(())
        })
    }

    /// Ends every session of a user except `keep` (after a password change).
    pub fn delete_other_sessions(&self, user_id: i64, keep: Option<&str>) -> Result<()> {
        self.write(|c| {
            c.execute(
                "DELETE FROM sessions WHERE user_id = $1 AND id_hash <> $2",
                params![user_id, keep.unwrap_or("")],
            )?;
            Ok(())
        })
    }

    /// Counts one hit on `bucket` in the current window of `window_ms` and returns the hits
    /// so far in that window (the caller compares with its limit).
    pub fn rate_hit(&self, bucket: &str, window_ms: i64) -> Result<i64> {
        let now = now_millis();
        let window_start = now - now.rem_euclid(window_ms.max(1));
        self.write(|c| {
            c.query_i64(
                "INSERT INTO rate_limits (bucket, window_start, hits) VALUES ($1, $2, 1)
                 ON CONFLICT (bucket) DO UPDATE SET
                    hits = CASE WHEN rate_limits.window_start = excluded.window_start
                                THEN rate_limits.hits + 1 ELSE 1 END,
                    window_start = excluded.window_start
                 RETURNING hits",
                params![bucket, window_start],
            )
        })
    }

    /// The hits on `bucket` in the current window, without counting one.
    pub fn rate_hits(&self, bucket: &str, window_ms: i64) -> Result<i64> {
        let now = now_millis();
        let window_start = now - now.rem_euclid(window_ms.max(1));
        self.read(|c| {
            Ok(c.query_opt(
                "SELECT hits FROM rate_limits WHERE bucket = $1 AND window_start = $2",
                params![bucket, window_start],
                |r| r.i64(0),
            )?
            .unwrap_or(0))
        })
    }

    /// Takes back one hit counted by [`Store::rate_hit`] (an attempt that turned out
    /// legitimate): counting first and refunding after keeps the limit exact when many
    /// requests arrive at once.
    pub fn rate_refund(&self, bucket: &str) -> Result<()> {
        self.write(|c| {
            c.execute(
                "UPDATE rate_limits SET hits = hits - 1 WHERE bucket = $1 AND hits > 0",
                params![bucket],
            )?;
            Ok(())
        })
    }

    /// Housekeeping: forgets throttle windows that ended more than `keep_ms` ago and
    /// sessions that have expired. Every looked-up invitation code leaves a bucket, so
    /// without this the table would grow with the campaign. Returns the rows removed.
    pub fn purge_stale(&self, keep_ms: i64) -> Result<u64> {
        let now = now_millis();
        self.write(|c| {
            let buckets = c.execute(
                "DELETE FROM rate_limits WHERE window_start < $1",
                params![now - keep_ms],
            )?;
            let sessions = c.execute("DELETE FROM sessions WHERE expires_at < $1", params![now])?;
            Ok(buckets + sessions)
        })
    }

    /// Forgets a bucket (a successful login clears its account's failures).
    pub fn rate_reset(&self, bucket: &str) -> Result<()> {
        self.write(|c| {
            c.execute("DELETE FROM rate_limits WHERE bucket = $1", params![bucket])?;
            Ok(())
        })
    }

    /// Creates an API token for `bank_id` (the token arrives hashed; `prefix` is the part
    /// shown to tell tokens apart).
    pub fn create_api_token(
        &self,
        bank_id: i64,
        name: &str,
        token_hash: &str,
        prefix: &str,
        actor: &str,
    ) -> Result<ApiToken> {
        if name.trim().is_empty() || name.chars().count() > 64 {
            return Err(StoreError::Invalid(
                "请填写令牌名称（不超过 64 个字符）".into(),
            ));
        }
        self.write(|c| {
            let id = c.query_i64(
                "INSERT INTO api_tokens (bank_id, name, token_hash, prefix, created_by, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                params![
                    bank_id,
                    name.trim(),
                    token_hash,
                    prefix,
                    actor,
                    now_millis()
                ],
            )?;
            crate::audit::record(
                c,
                actor,
                "api_token.create",
                None,
                None,
                Some(prefix),
                &serde_json::json!({ "bank_id": bank_id, "name": name }),
            )?;
            c.query_one(
                &format!("SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE id = $1"),
                params![id],
                token_from_row,
            )
        })
    }

    /// Revokes a token of `bank_id` (a token of another bank is "not found").
    pub fn revoke_api_token(&self, bank_id: i64, token_id: i64, actor: &str) -> Result<()> {
        self.write(|c| {
            let n = c.execute(
                "UPDATE api_tokens SET revoked_at = $3 WHERE id = $1 AND bank_id = $2 AND revoked_at IS NULL",
                params![token_id, bank_id, now_millis()],
            )?;
            if n == 0 {
                return Err(StoreError::NotFound);
            }
            crate::audit::record(c, actor, "api_token.revoke", None, None, Some(&token_id.to_string()), &serde_json::json!({ "bank_id": bank_id }))
        })
    }

    /// The tokens of `bank_id`, newest first.
    pub fn api_tokens(&self, bank_id: i64) -> Result<Vec<ApiToken>> {
        self.read(|c| {
            c.query_vec(
                &format!(
                    "SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE bank_id = $1 ORDER BY id DESC"
                ),
                params![bank_id],
                token_from_row,
            )
        })
    }

    /// The bank a live (not revoked) token belongs to, noting its use.
    pub fn bank_for_token(&self, token_hash: &str) -> Result<Option<i64>> {
        self.write(|c| {
            let bank = c.query_opt(
                "SELECT id, bank_id FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL",
                params![token_hash],
                |r| Ok((r.i64(0)?, r.i64(1)?)),
            )?;
            if let Some((id, _)) = bank {
                c.execute(
                    "UPDATE api_tokens SET last_used_at = $2 WHERE id = $1",
                    params![id, now_millis()],
                )?;
            }
            Ok(bank.map(|(_, b)| b))
        })
    }
}

const TOKEN_COLUMNS: &str =
    "id, bank_id, name, prefix, created_by, created_at, revoked_at, last_used_at";

fn token_from_row(r: &dyn DbRow) -> Result<ApiToken> {
    Ok(ApiToken {
        id: r.i64(0)?,
        bank_id: r.i64(1)?,
        name: r.text(2)?,
        prefix: r.text(3)?,
        created_by: r.text(4)?,
        created_at: r.i64(5)?,
        revoked_at: r.opt_i64(6)?,
        last_used_at: r.opt_i64(7)?,
    })
}
