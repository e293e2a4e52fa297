//! Campaigns and the reference data every database starts with (the 36 bureaus and the
//! 2019–2020 campaign).

use serde::Serialize;

use crate::db::{Conn, ConnExt, DbRow};
use crate::error::{Result, StoreError};
use crate::{Store, now_millis, params};

/// A campaign: a run of the matchmaking work with its own list, codes and answers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Campaign {
    pub id: i64,
    pub code: String,
    pub name: String,
    /// The year whose tax credit rating decides eligibility (2018 for the first campaign).
    pub tax_credit_year: i64,
    /// Id of the size standard used to classify enterprises (see `yinqi_domain::size`).
    pub size_standard: String,
    pub starts_on: String,
    pub ends_on: String,
    pub is_default: bool,
}

/// What it takes to open a new campaign.
#[derive(Clone, Debug)]
pub struct NewCampaign {
    pub code: String,
    pub name: String,
    pub tax_credit_year: i64,
    pub size_standard: String,
    pub starts_on: String,
    pub ends_on: String,
}

/// The campaign of the seed slides, present in every database.
pub const FIRST_CAMPAIGN_CODE: &str = "2019-2020";

const COLUMNS: &str =
    "id, code, name, tax_credit_year, size_standard, starts_on, ends_on, is_default";

fn campaign_from_row(r: &dyn DbRow) -> Result<Campaign> {
    Ok(Campaign {
        id: r.i64(0)?,
        code: r.text(1)?,
        name: r.text(2)?,
        tax_credit_year: r.i64(3)?,
        size_standard: r.text(4)?,
        starts_on: r.text(5)?,
        ends_on: r.text(6)?,
        is_default: r.bool(7)?,
    })
}

/// Inserts the bureaus and the first campaign if they are missing (idempotent).
pub(crate) fn seed_reference_data(conn: &mut dyn Conn) -> Result<()> {
    for b in yinqi_domain::bureau::all() {
        conn.execute(
            "INSERT INTO bureaus (code, name, area) VALUES ($1, $2, $3)
             ON CONFLICT (code) DO UPDATE SET name = excluded.name, area = excluded.area",
            params![b.code, b.name, b.area],
        )?;
    }
    let campaigns = conn.query_i64("SELECT COUNT(*) FROM campaigns", params![])?;
    if campaigns == 0 {
        conn.execute(
            "INSERT INTO campaigns (code, name, tax_credit_year, size_standard, starts_on, ends_on, is_default, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, TRUE, $7)",
            params![
                FIRST_CAMPAIGN_CODE,
                "百行进万企（2019–2020）",
                2018i64,
                yinqi_domain::size::MIIT_2011.id,
                "2019-11-01",
                "2020-04-30",
                now_millis()
            ],
        )?;
    }
    Ok(())
}

impl Store {
    /// All campaigns, newest first.
    pub fn campaigns(&self) -> Result<Vec<Campaign>> {
        self.read(|c| {
            c.query_vec(
                &format!("SELECT {COLUMNS} FROM campaigns ORDER BY starts_on DESC, id DESC"),
                params![],
                campaign_from_row,
            )
        })
    }

    /// The campaign with `code`, or the default campaign when `code` is `None`.
    pub fn campaign(&self, code: Option<&str>) -> Result<Campaign> {
        self.read(|c| match code {
            Some(code) => c
                .query_opt(
                    &format!("SELECT {COLUMNS} FROM campaigns WHERE code = $1"),
                    params![code],
                    campaign_from_row,
                )?
                .ok_or_else(|| StoreError::Invalid(format!("没有编号为 {code} 的活动"))),
            None => c.query_one(
                &format!("SELECT {COLUMNS} FROM campaigns WHERE is_default ORDER BY id LIMIT 1"),
                params![],
                campaign_from_row,
            ),
        })
    }

    /// Opens a new campaign beside the existing ones (it does not become the default).
    pub fn create_campaign(&self, new: &NewCampaign) -> Result<Campaign> {
        if yinqi_domain::size::standard_by_id(&new.size_standard).is_none() {
            return Err(StoreError::Invalid(format!(
                "未知的划型标准：{}",
                new.size_standard
            )));
        }
        self.write(|c| {
            let taken = c.query_i64(
                "SELECT COUNT(*) FROM campaigns WHERE code = $1",
                params![&new.code],
            )?;
            if taken > 0 {
                return Err(StoreError::Conflict(format!("活动编号 {} 已存在", new.code)));
            }
            c.execute(
                "INSERT INTO campaigns (code, name, tax_credit_year, size_standard, starts_on, ends_on, is_default, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, FALSE, $7)",
                params![
                    &new.code,
                    &new.name,
                    new.tax_credit_year,
                    &new.size_standard,
                    &new.starts_on,
                    &new.ends_on,
                    now_millis()
                ],
            )?;
            c.query_one(
                &format!("SELECT {COLUMNS} FROM campaigns WHERE code = $1"),
                params![&new.code],
                campaign_from_row,
            )
        })
    }

    /// Makes `code` the campaign that commands use when none is named.
    pub fn set_default_campaign(&self, code: &str) -> Result<()> {
        self.write(|c| {
            let found = c.query_i64(
                "SELECT COUNT(*) FROM campaigns WHERE code = $1",
                params![code],
            )?;
            if found == 0 {
                return Err(StoreError::Invalid(format!("没有编号为 {code} 的活动")));
            }
            c.execute(
                "UPDATE campaigns SET is_default = (code = $1)",
                params![code],
            )?;
            Ok(())
        })
    }
}
