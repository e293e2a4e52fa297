//! A bureau's eligibility options (whether tax credit levels C, D and M join) and the
//! re-screening of its list when they change.

use yinqi_domain::eligibility::{EligibilityOptions, Exclusion, Exclusions};
use yinqi_domain::tax_credit::TaxCredit;

use crate::db::ConnExt;
use crate::error::{Result, StoreError};
use crate::listing::recompute_assignment;
use crate::{Scope, Store, now_millis, params};

impl Store {
    /// The options `bureau` set for `campaign_id` (all off until it sets them: the seed's
    /// "B or above in principle").
    pub fn bureau_options(
        &self,
        scope: &Scope,
        campaign_id: i64,
        bureau: &str,
    ) -> Result<EligibilityOptions> {
        if !scope.covers_bureau(bureau) {
            return Err(StoreError::NotFound);
        }
        self.read(|c| {
            Ok(c.query_opt(
                "SELECT accept_c, accept_d, accept_m FROM bureau_settings
                 WHERE campaign_id = $1 AND bureau_code = $2",
                params![campaign_id, bureau],
                |r| {
                    Ok(EligibilityOptions {
                        accept_c: r.bool(0)?,
                        accept_d: r.bool(1)?,
                        accept_m: r.bool(2)?,
                    })
                },
            )?
            .unwrap_or_default())
        })
    }

    /// Stores `bureau`'s options and re-screens its list: the credit-level reason is
    /// recomputed for every row, then eligibility and assignment. Returns the rows listed.
    pub fn set_bureau_options(
        &self,
        scope: &Scope,
        campaign_id: i64,
        bureau: &str,
        options: EligibilityOptions,
        actor: &str,
    ) -> Result<u64> {
        if !scope.covers_bureau(bureau) {
            return Err(StoreError::NotFound);
        }
        let credit_bit = i64::from(
            [Exclusion::CreditLevel]
                .into_iter()
                .collect::<Exclusions>()
                .bits(),
        );
        let accepted = accepted_levels_condition(&options);
        self.write(|c| {
            c.execute(
                "INSERT INTO bureau_settings (campaign_id, bureau_code, accept_c, accept_d, accept_m, updated_by, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)
                 ON CONFLICT (campaign_id, bureau_code) DO UPDATE SET accept_c = excluded.accept_c,
                    accept_d = excluded.accept_d, accept_m = excluded.accept_m,
                    updated_by = excluded.updated_by, updated_at = excluded.updated_at",
                params![campaign_id, bureau, options.accept_c, options.accept_d, options.accept_m, actor, now_millis()],
            )?;
            let rows = c.execute(
                &format!(
                    "UPDATE enterprises SET exclusions = CASE WHEN {accepted}
                        THEN exclusions & ~CAST($3 AS BIGINT) ELSE exclusions | CAST($3 AS BIGINT) END
                     WHERE campaign_id = $1 AND bureau_code = $2"
                ),
                params![campaign_id, bureau, credit_bit],
            )?;
            recompute_assignment(
                c,
                "campaign_id = $1 AND bureau_code = $2",
                params![campaign_id, bureau],
            )?;
            crate::audit::record(
                c,
                actor,
                "bureau.options",
                Some(campaign_id),
                Some(bureau),
                None,
                &serde_json::to_value(options).unwrap_or_default(),
            )?;
            Ok(rows)
        })
    }
}

/// The SQL condition "this row's tax credit level is accepted", built from the domain rule
/// applied to every level (so the rule itself lives only in the domain crate).
fn accepted_levels_condition(options: &EligibilityOptions) -> String {
    let letters: Vec<String> = [
        TaxCredit::A,
        TaxCredit::B,
        TaxCredit::M,
        TaxCredit::C,
        TaxCredit::D,
    ]
    .into_iter()
    .filter(|level| options.accepts(Some(*level)))
    .map(|level| format!("'{}'", level.letter()))
    .collect();
    let rated = if letters.is_empty() {
        "FALSE".to_owned()
    } else {
        format!("tax_credit IN ({})", letters.join(", "))
    };
    let unrated = options.accepts(None);
    format!(
        "({rated} OR (tax_credit IS NULL AND {}))",
        if unrated { "TRUE" } else { "FALSE" }
    )
}
