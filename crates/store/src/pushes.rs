//! Pushing the invitation link (R14): the customer manager (or the bank) sends an enterprise
//! its link by SMS, WeChat, phone or in person and marks it here. Every push is kept, with who
//! and when, and audited; the workbench counts an enterprise as pushed while its code in force
//! has a push (a reissued code starts unpushed: the old link no longer opens anything).

use serde::Serialize;

use crate::codes::code_reading_condition;
use crate::db::{ConnExt, Val};
use crate::error::{Result, StoreError};
use crate::{Scope, Store, audit, now_millis, params};

/// How the link reached the enterprise.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PushChannel {
    Sms,
    Wechat,
    Phone,
    InPerson,
}

impl PushChannel {
    pub const ALL: [PushChannel; 4] = [
        PushChannel::Sms,
        PushChannel::Wechat,
        PushChannel::Phone,
        PushChannel::InPerson,
    ];

    /// The stored code (the migration's CHECK lists the same).
    pub fn code(self) -> &'static str {
        match self {
            PushChannel::Sms => "sms",
            PushChannel::Wechat => "wechat",
            PushChannel::Phone => "phone",
            PushChannel::InPerson => "in_person",
        }
    }

    pub fn from_code(code: &str) -> Option<PushChannel> {
        Self::ALL.into_iter().find(|c| c.code() == code)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            PushChannel::Sms => "短信",
            PushChannel::Wechat => "微信",
            PushChannel::Phone => "电话",
            PushChannel::InPerson => "当面",
        }
    }
}

/// One recorded push.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Push {
    pub id: i64,
    pub channel: PushChannel,
    pub actor: String,
    pub user_id: Option<i64>,
    pub at: i64,
    /// Whether the pushed code is still the enterprise's code in force.
    pub code_in_force: bool,
}

pub(crate) fn channel_of(code: &str) -> Result<PushChannel> {
    PushChannel::from_code(code).ok_or_else(|| StoreError::Decode(format!("push channel {code}")))
}

impl Store {
    /// Records that the enterprise `uscc` was sent its link through `channel`. Only a caller
    /// who may read the code (its manager once the batch reached the managers, its bank or
    /// branch once it reached the bank) marks it; anyone else gets `NotFound`.
    pub fn mark_pushed(
        &self,
        scope: &Scope,
        campaign_id: i64,
        uscc: &str,
        channel: PushChannel,
        user_id: Option<i64>,
        actor: &str,
    ) -> Result<Push> {
        let reading = code_reading_condition(scope).ok_or(StoreError::NotFound)?;
        let (scope_sql, scope_values) = scope
            .enterprise_condition("e", 3)
            .ok_or(StoreError::NotFound)?;
        let mut values = vec![Val::Int(campaign_id), Val::Text(uscc)];
        values.extend(scope_values);
        let enterprise_sql = format!(
            "SELECT e.id, e.bureau_code FROM enterprises e
             WHERE e.campaign_id = $1 AND e.uscc = $2 AND {scope_sql}"
        );
        let code_sql = format!(
            "SELECT c.id FROM enterprise_codes c JOIN code_batches b ON b.id = c.batch_id
             WHERE c.enterprise_id = $1 AND c.active AND {reading}"
        );
        let user_id = match scope {
            Scope::Manager(id) => Some(*id),
            _ => user_id,
        };
        self.write(|c| {
            let (enterprise_id, bureau) =
                c.query_one(&enterprise_sql, &values, |r| Ok((r.i64(0)?, r.text(1)?)))?;
            let code_id = c
                .query_opt(&code_sql, params![enterprise_id], |r| r.i64(0))?
                .ok_or_else(|| {
                    StoreError::Invalid(
                        "该企业还没有可以推送的邀请码（邀请码未发放或尚未下发到您）".into(),
                    )
                })?;
            let at = now_millis();
            let id = c.query_i64(
                "INSERT INTO code_pushes (code_id, enterprise_id, channel, user_id, actor, at)
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                params![code_id, enterprise_id, channel.code(), user_id, actor, at],
            )?;
            audit::record(
                c,
                actor,
                "code.push",
                Some(campaign_id),
                Some(&bureau),
                Some(uscc),
                &serde_json::json!({ "channel": channel.code() }),
            )?;
            Ok(Push {
                id,
                channel,
                actor: actor.to_owned(),
                user_id,
                at,
                code_in_force: true,
            })
        })
    }

    /// Every push of the enterprise's links (its earlier, revoked codes' too), newest first,
    /// for anyone who sees the enterprise.
    pub fn pushes(&self, scope: &Scope, campaign_id: i64, uscc: &str) -> Result<Vec<Push>> {
        let enterprise = self.enterprise_by_uscc(scope, campaign_id, uscc)?;
        self.read(|c| {
            c.query_vec(
                "SELECT p.id, p.channel, p.actor, p.user_id, p.at, k.active
                 FROM code_pushes p JOIN enterprise_codes k ON k.id = p.code_id
                 WHERE p.enterprise_id = $1 ORDER BY p.id DESC",
                params![enterprise.id],
                |r| {
                    Ok(Push {
                        id: r.i64(0)?,
                        channel: channel_of(&r.text(1)?)?,
                        actor: r.text(2)?,
                        user_id: r.opt_i64(3)?,
                        at: r.i64(4)?,
                        code_in_force: r.bool(5)?,
                    })
                },
            )
        })
    }
}
