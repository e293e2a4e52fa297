//! Questionnaire definitions in the database (DESIGN §6): every published version of q1, q2
//! and q3 as its JSON, who published it and when. Answers name the version they were given
//! against, so a version is never changed or removed once stored.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use yinqi_domain::questionnaire::{self, Definition};

use crate::db::{Conn, ConnExt};
use crate::error::{Result, StoreError};
use crate::{Scope, Store, audit, now_millis, params};

/// The questionnaires the platform knows how to store answers for.
pub const QUESTIONNAIRES: [&str; 3] = ["q1", "q2", "q3"];

/// Parsed definitions by (questionnaire, version). Safe to keep for the life of the process,
/// in every process sharing the database: a stored version never changes.
#[derive(Default)]
pub(crate) struct Cache(Mutex<HashMap<(String, u32), Arc<Definition>>>);

impl Cache {
    fn get(&self, id: &str, version: u32) -> Option<Arc<Definition>> {
        let map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        map.get(&(id.to_owned(), version)).cloned()
    }

    fn put(&self, definition: Definition) -> Arc<Definition> {
        let definition = Arc::new(definition);
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        map.entry((definition.id.clone(), definition.version))
            .or_insert(definition)
            .clone()
    }
}

/// Stores the built-in q1/q2/q3 (their embedded source files) where that version is absent.
/// Runs on every open, inside the migration transaction, so a fresh database can take
/// answers at once; a version already stored (even a different text) is left alone.
pub(crate) fn seed_builtin(c: &mut dyn Conn) -> Result<()> {
    let now = now_millis();
    for (definition, (_, json)) in questionnaire::builtin().iter().zip(questionnaire::SOURCES) {
        c.execute(
            "INSERT INTO questionnaire_versions
               (questionnaire, version, definition, published_by, published_at)
             VALUES ($1, $2, $3, 'builtin', $4) ON CONFLICT DO NOTHING",
            params![definition.id.as_str(), definition.version, json, now],
        )?;
    }
    Ok(())
}

/// One stored version, without its definition text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublishedVersion {
    pub questionnaire: String,
    pub version: u32,
    pub published_by: String,
    pub published_at: i64,
}

impl Store {
    /// Loads the built-in questionnaires if absent. `Store::open` already does it; this is
    /// for a caller that wants to be explicit (the CLI's `migrate`).
    pub fn ensure_builtin_questionnaires(&self) -> Result<()> {
        self.write(seed_builtin)
    }

    /// Publishes a new version of a questionnaire (HQ only). The JSON must load as a
    /// definition, name q1, q2 or q3, and carry a version above every stored one of it.
    pub fn publish_questionnaire(
        &self,
        scope: &Scope,
        json: &str,
        actor: &str,
    ) -> Result<PublishedVersion> {
        if *scope != Scope::Nation {
            return Err(StoreError::NotFound);
        }
        let definition = Definition::from_json(json)
            .map_err(|e| StoreError::Invalid(format!("问卷定义有误：{e}")))?;
        if !QUESTIONNAIRES.contains(&definition.id.as_str()) {
            return Err(StoreError::Invalid(format!(
                "问卷编号“{}”不在 q1、q2、q3 之中",
                definition.id
            )));
        }
        let now = now_millis();
        let published = self.write(|c| {
            let latest = c.query_i64(
                "SELECT COALESCE(MAX(version), 0) FROM questionnaire_versions
                 WHERE questionnaire = $1",
                params![definition.id.as_str()],
            )?;
            if i64::from(definition.version) <= latest {
                return Err(StoreError::Conflict(format!(
                    "问卷 {} 已有第 {latest} 版，新版本号必须大于它（收到第 {} 版）",
                    definition.id, definition.version
                )));
            }
            // Two publishers at once: the unique key refuses the second.
            let inserted = c.execute(
                "INSERT INTO questionnaire_versions
                   (questionnaire, version, definition, published_by, published_at)
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
                params![definition.id.as_str(), definition.version, json, actor, now],
            )?;
            if inserted == 0 {
                return Err(StoreError::Conflict(format!(
                    "问卷 {} 第 {} 版已经发布过",
                    definition.id, definition.version
                )));
            }
            audit::record(
                c,
                actor,
                "questionnaire.publish",
                None,
                None,
                Some(&format!("{}.v{}", definition.id, definition.version)),
                &serde_json::json!({ "questions": definition.questions.len() }),
            )?;
            Ok(PublishedVersion {
                questionnaire: definition.id.clone(),
                version: definition.version,
                published_by: actor.to_owned(),
                published_at: now,
            })
        })?;
        self.definitions.put(definition);
        Ok(published)
    }

    /// The stored versions of `questionnaire`, oldest first.
    pub fn questionnaire_versions(&self, questionnaire: &str) -> Result<Vec<PublishedVersion>> {
        self.read(|c| {
            c.query_vec(
                "SELECT questionnaire, version, published_by, published_at
                 FROM questionnaire_versions WHERE questionnaire = $1 ORDER BY version",
                params![questionnaire],
                |r| {
                    Ok(PublishedVersion {
                        questionnaire: r.text(0)?,
                        version: r.i64(1)? as u32,
                        published_by: r.text(2)?,
                        published_at: r.i64(3)?,
                    })
                },
            )
        })
    }

    /// One version of a questionnaire; `NotFound` if it was never published.
    pub fn questionnaire(&self, questionnaire: &str, version: u32) -> Result<Arc<Definition>> {
        if let Some(d) = self.definitions.get(questionnaire, version) {
            return Ok(d);
        }
        self.read(|c| definition_in(c, &self.definitions, questionnaire, version))
    }

    /// The newest version of a questionnaire (asked of the database each time: another
    /// process may have published one).
    pub fn latest_questionnaire(&self, questionnaire: &str) -> Result<Arc<Definition>> {
        let version = self.read(|c| {
            c.query_opt(
                "SELECT MAX(version) FROM questionnaire_versions WHERE questionnaire = $1",
                params![questionnaire],
                |r| r.opt_i64(0),
            )
        })?;
        match version.flatten() {
            Some(v) => self.questionnaire(questionnaire, v as u32),
            None => Err(StoreError::NotFound),
        }
    }

    /// A definition from the cache or, failing that, through `c` (inside a transaction).
    pub(crate) fn definition_in(
        &self,
        c: &mut dyn Conn,
        questionnaire: &str,
        version: u32,
    ) -> Result<Arc<Definition>> {
        match self.definitions.get(questionnaire, version) {
            Some(d) => Ok(d),
            None => definition_in(c, &self.definitions, questionnaire, version),
        }
    }
}

fn definition_in(
    c: &mut dyn Conn,
    cache: &Cache,
    questionnaire: &str,
    version: u32,
) -> Result<Arc<Definition>> {
    let json = c.query_one(
        "SELECT definition FROM questionnaire_versions WHERE questionnaire = $1 AND version = $2",
        params![questionnaire, version],
        |r| r.text(0),
    )?;
    // Stored only after `from_json` accepted it; failing now means the row was edited by hand.
    let definition = Definition::from_json(&json)
        .map_err(|e| StoreError::Decode(format!("{questionnaire} v{version}: {e}")))?;
    Ok(cache.put(definition))
}
