//! A campaign's supervision settings: its schedule (phases and targets) and the quality
//! rules' thresholds. Stored as JSON; a campaign without a row gets the defaults (the
//! schedule split from its own start and end dates).

use yinqi_domain::progress::{Schedule, Thresholds, day};

use crate::db::{Conn, ConnExt};
use crate::error::{Result, StoreError};
use crate::{Scope, Store, audit, now_millis, params};

/// The schedule and thresholds a campaign is supervised by.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SupervisionSettings {
    pub schedule: Schedule,
    pub thresholds: Thresholds,
}

/// The settings of `campaign_id` (defaults where none are stored).
pub(crate) fn load(c: &mut dyn Conn, campaign_id: i64) -> Result<SupervisionSettings> {
    let (starts, ends) = c.query_one(
        "SELECT starts_on, ends_on FROM campaigns WHERE id = $1",
        params![campaign_id],
        |r| Ok((r.text(0)?, r.text(1)?)),
    )?;
    let stored = c.query_opt(
        "SELECT schedule, thresholds FROM supervision_settings WHERE campaign_id = $1",
        params![campaign_id],
        |r| Ok((r.opt_text(0)?, r.opt_text(1)?)),
    )?;
    let (schedule, thresholds) = stored.unwrap_or_default();
    let parse_day =
        |d: &str| day::parse_iso(d).ok_or_else(|| StoreError::Decode(format!("campaign date {d}")));
    let schedule = match schedule {
        Some(json) => {
            serde_json::from_str(&json).map_err(|e| StoreError::Decode(format!("schedule: {e}")))?
        }
        None => Schedule::for_campaign(parse_day(&starts)?, parse_day(&ends)?),
    };
    let thresholds = match thresholds {
        Some(json) => serde_json::from_str(&json)
            .map_err(|e| StoreError::Decode(format!("thresholds: {e}")))?,
        None => Thresholds::default(),
    };
    Ok(SupervisionSettings {
        schedule,
        thresholds,
    })
}

impl Store {
    /// The schedule and quality thresholds of `campaign_id`.
    pub fn supervision_settings(&self, campaign_id: i64) -> Result<SupervisionSettings> {
        self.read(|c| load(c, campaign_id))
    }

    /// Sets a campaign's schedule and thresholds (HQ only), audited. New thresholds change
    /// flags already counted, so every bureau of the campaign is swept again.
    pub fn set_supervision_settings(
        &self,
        scope: &Scope,
        campaign_id: i64,
        settings: &SupervisionSettings,
        actor: &str,
    ) -> Result<()> {
        if *scope != Scope::Nation {
            return Err(StoreError::NotFound);
        }
        settings.schedule.check().map_err(StoreError::Invalid)?;
        let schedule = serde_json::to_string(&settings.schedule)
            .map_err(|e| StoreError::Decode(e.to_string()))?;
        let thresholds = serde_json::to_string(&settings.thresholds)
            .map_err(|e| StoreError::Decode(e.to_string()))?;
        self.write(|c| {
            let before = load(c, campaign_id)?;
            let now = now_millis();
            c.execute(
                "INSERT INTO supervision_settings (campaign_id, schedule, thresholds, updated_by, updated_at)
                 VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (campaign_id) DO UPDATE SET schedule = excluded.schedule,
                   thresholds = excluded.thresholds, updated_by = excluded.updated_by,
                   updated_at = excluded.updated_at",
                params![campaign_id, schedule.as_str(), thresholds.as_str(), actor, now],
            )?;
            if before.thresholds != settings.thresholds {
                super::refresh::sweep_campaign(c, campaign_id, now)?;
            }
            audit::record(
                c,
                actor,
                "supervision.settings",
                Some(campaign_id),
                None,
                None,
                &serde_json::json!({
                    "schedule": settings.schedule,
                    "thresholds": settings.thresholds,
                }),
            )
        })
    }
}
