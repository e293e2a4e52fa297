//! The load of `bench submit`: simulated enterprises submitting questionnaire 1, either over
//! HTTP to `yinqi serve` (each one opens its link first, as a phone does, then submits
//! the JSON form) or straight into the store from threads (the submit path without the web
//! layer). Bounded in count (one submission per enterprise) and in time.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::bail;
use yinqi_domain::questionnaire::{Date, HiddenAnswers};
use yinqi_store::{AnswerInput, ClientMeta, Scope, Store};

use super::bench_http::{Client, form_encode, form_with_action};
use super::bench_submit_prep::{Target, q1_answers};

/// What a load run measured.
#[derive(Default)]
pub struct Load {
    pub ok: u64,
    /// Failures by kind (`422`, `500`, `io`…).
    pub errors: BTreeMap<String, u64>,
    pub elapsed: Duration,
    /// Latencies of the successful requests, microseconds.
    pub latencies: Vec<u32>,
}

impl Load {
    pub fn rate(&self) -> f64 {
        self.ok as f64 / self.elapsed.as_secs_f64()
    }

    pub fn percentile_ms(&self, p: usize) -> f64 {
        if self.latencies.is_empty() {
            return 0.0;
        }
        let mut sorted = self.latencies.clone();
        sorted.sort_unstable();
        let i = (sorted.len() * p / 100).min(sorted.len() - 1);
        f64::from(sorted[i]) / 1000.0
    }

    pub fn error_text(&self) -> String {
        if self.errors.is_empty() {
            return "0".into();
        }
        self.errors
            .iter()
            .map(|(k, v)| format!("{v}×{k}"))
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn merge(&mut self, other: Load) {
        self.ok += other.ok;
        for (k, v) in other.errors {
            *self.errors.entry(k).or_default() += v;
        }
        self.latencies.extend(other.latencies);
    }
}

/// An enterprise's session after opening its link: its cookies and the CSRF token the JSON
/// form sends back.
#[derive(Clone, Default)]
pub struct Opened {
    cookies: BTreeMap<String, String>,
    csrf: String,
}

/// Opens `code`'s link like a phone: the page, then its "start" step (a form posted with
/// its hidden fields; an empty mobile field gets a number), which sets the enterprise's
/// session cookie and the CSRF cookie.
async fn open(client: &mut Client, code: &str, n: usize) -> anyhow::Result<Opened> {
    client.cookies.clear();
    let page = client
        .request("GET", &format!("/q/{code}"), &[], None)
        .await?;
    if page.status != 200 {
        bail!("GET /q/{{code}}: {}", page.status);
    }
    if let Some((action, mut fields)) = form_with_action(&page.text(), "start") {
        for (name, value) in &mut fields {
            if name.contains("mobile") && value.is_empty() {
                *value = format!("139{:08}", n % 100_000_000);
            }
        }
        let body = form_encode(&fields);
        let mut reply = client
            .request(
                "POST",
                &action,
                &[],
                Some(("application/x-www-form-urlencoded", body.as_bytes())),
            )
            .await?;
        if (300..400).contains(&reply.status)
            && let Some(next) = reply.location.take()
        {
            reply = client.request("GET", &next, &[], None).await?;
        }
        if reply.status >= 400 {
            bail!("start step {action}: {}", reply.status);
        }
    }
    let csrf = match client
        .cookies
        .iter()
        .find(|(name, _)| name.contains("csrf"))
    {
        Some((_, token)) => token.clone(),
        None => {
            // The double-submit token may be any 64 hex digits the client picks for both
            // the cookie and the header (the enterprise flow's JSON contract).
            let token = format!("{:064x}", n as u128 * 0x9e37_79b9_7f4a_7c15 + 1);
            client
                .cookies
                .insert("yinqi_ent_csrf".into(), token.clone());
            token
        }
    };
    Ok(Opened {
        cookies: client.cookies.clone(),
        csrf,
    })
}

/// Phase one over HTTP: every target opens its link (`clients` at a time, spread over
/// `servers`). Returns the sessions and how long it took.
pub async fn open_all(
    servers: &[SocketAddr],
    targets: Arc<[Target]>,
    clients: usize,
) -> anyhow::Result<(Arc<[Opened]>, Duration)> {
    let started = Instant::now();
    let next = Arc::new(AtomicUsize::new(0));
    let opened = Arc::new(Mutex::new(vec![Opened::default(); targets.len()]));
    let mut tasks = Vec::new();
    for c in 0..clients {
        let (next, opened, targets) = (next.clone(), opened.clone(), targets.clone());
        let mut client = Client::from_loopback(servers[c % servers.len()], c);
        tasks.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= targets.len() {
                    return anyhow::Ok(());
                }
                let session = open(&mut client, &targets[i].code, i).await?;
                opened.lock().expect("not poisoned")[i] = session;
            }
        }));
    }
    for task in tasks {
        task.await??;
    }
    let opened = std::mem::take(&mut *opened.lock().expect("not poisoned"));
    Ok((opened.into(), started.elapsed()))
}

/// Phase two over HTTP, timed: each target submits questionnaire 1 as JSON once.
pub async fn submit_all(
    servers: &[SocketAddr],
    targets: Arc<[Target]>,
    sessions: Arc<[Opened]>,
    clients: usize,
    limit: Duration,
) -> Load {
    let started = Instant::now();
    let next = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for c in 0..clients {
        let (next, targets, sessions) = (next.clone(), targets.clone(), sessions.clone());
        let mut client = Client::from_loopback(servers[c % servers.len()], c);
        tasks.push(tokio::spawn(async move {
            let mut load = Load::default();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= targets.len() || started.elapsed() >= limit {
                    return load;
                }
                let (t, s) = (&targets[i], &sessions[i]);
                client.cookies.clone_from(&s.cookies);
                let body = serde_json::json!({
                    "client_id": format!("bench-{i}-{}", t.code),
                    "version": 1,
                    "opened_at": yinqi_store::now_millis() - 60_000,
                    "action": "submit",
                    "answers": q1_answers(t, i),
                })
                .to_string();
                let path = format!("/q/{}/q1", t.code);
                let sent = Instant::now();
                let reply = client
                    .request(
                        "POST",
                        &path,
                        &[("X-CSRF-Token", &s.csrf), ("Accept", "application/json")],
                        Some(("application/json", body.as_bytes())),
                    )
                    .await;
                let took = sent.elapsed();
                match reply {
                    Ok(r) if r.status == 200 && r.text().contains("\"submitted\"") => {
                        load.ok += 1;
                        load.latencies.push(took.as_micros() as u32);
                    }
                    Ok(r) => *load.errors.entry(r.status.to_string()).or_default() += 1,
                    Err(_) => *load.errors.entry("io".into()).or_default() += 1,
                }
            }
        }));
    }
    let mut total = Load::default();
    for task in tasks {
        match task.await {
            Ok(load) => total.merge(load),
            Err(_) => *total.errors.entry("task".into()).or_default() += 1,
        }
    }
    total.elapsed = started.elapsed();
    total
}

/// The same submissions straight into the store from `clients` threads (no HTTP): the
/// store's submit path and its group commit on their own.
pub fn store_submit_all(
    store: &Store,
    enterprises: &[(i64, &Target)],
    clients: usize,
    limit: Duration,
) -> Load {
    let started = Instant::now();
    let next = AtomicUsize::new(0);
    let today = Date::from_ymd(2026, 11, 28).expect("a date");
    let mut total = Load::default();
    std::thread::scope(|s| {
        let workers: Vec<_> = (0..clients)
            .map(|_| {
                s.spawn(|| {
                    let mut load = Load::default();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        if i >= enterprises.len() || started.elapsed() >= limit {
                            return load;
                        }
                        let (id, t) = enterprises[i];
                        let answers = match q1_answers(t, i) {
                            serde_json::Value::Object(m) => m,
                            _ => unreachable!("an object"),
                        };
                        let client_id = format!("bench-{id}-{i}");
                        let input = AnswerInput {
                            enterprise_id: id,
                            questionnaire: "q1",
                            version: 1,
                            client_id: &client_id,
                            answers: &answers,
                            today,
                            hidden: HiddenAnswers::Refuse,
                            opened_at: Some(yinqi_store::now_millis() - 60_000),
                            user_id: None,
                            actor: "bench",
                            client: ClientMeta {
                                ip: Some("127.0.0.1"),
                                user_agent: Some("yinqi-bench"),
                            },
                        };
                        let sent = Instant::now();
                        match store.submit(&Scope::Enterprise(id), &input) {
                            Ok(_) => {
                                load.ok += 1;
                                load.latencies.push(sent.elapsed().as_micros() as u32);
                            }
                            Err(e) => {
                                *load.errors.entry(format!("{e}")).or_default() += 1;
                            }
                        }
                    }
                })
            })
            .collect();
        for w in workers {
            total.merge(w.join().expect("load thread"));
        }
    });
    total.elapsed = started.elapsed();
    total
}
