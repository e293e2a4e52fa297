//! Request counters for `/metrics` in the Prometheus text format. Small and in-process on
//! purpose: each `yinqi serve` reports its own counters and the scraper adds them up.

use std::collections::BTreeMap;
use std::sync::Mutex;

#[derive(Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<(String, String, u16), Counter>>,
}

#[derive(Default, Clone, Copy)]
struct Counter {
    count: u64,
    seconds: f64,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

impl Metrics {
    /// Counts one request to `route` (the matched route pattern, never the raw path, so
    /// codes and credit codes never become label values).
    pub fn record(&self, method: &str, route: &str, status: u16, seconds: f64) {
        let mut map = self.requests.lock().unwrap_or_else(|e| e.into_inner());
        let c = map
            .entry((method.to_owned(), route.to_owned(), status))
            .or_default();
        c.count += 1;
        c.seconds += seconds;
    }

    /// The exposition text.
    pub fn render(&self) -> String {
        let map = self.requests.lock().unwrap_or_else(|e| e.into_inner());
        let mut out = String::from(
            "# HELP yinqi_http_requests_total HTTP requests handled.\n# TYPE yinqi_http_requests_total counter\n",
        );
        for ((method, route, status), c) in map.iter() {
            out.push_str(&format!(
                "yinqi_http_requests_total{{method=\"{method}\",route=\"{route}\",status=\"{status}\"}} {}\n",
                c.count
            ));
        }
        out.push_str("# HELP yinqi_http_request_seconds_sum Time spent handling requests.\n# TYPE yinqi_http_request_seconds_sum counter\n");
        for ((method, route, status), c) in map.iter() {
            out.push_str(&format!(
                "yinqi_http_request_seconds_sum{{method=\"{method}\",route=\"{route}\",status=\"{status}\"}} {:.6}\n",
                c.seconds
            ));
        }
        out
    }
}
