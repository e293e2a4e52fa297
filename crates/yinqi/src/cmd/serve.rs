//! `yinqi serve`: the web platform.

use std::net::SocketAddr;

use clap::Args;
use yinqi_web::{AppState, Config};

use super::Context;

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080", env = "YINQI_LISTEN")]
    pub listen: SocketAddr,
    /// Mark cookies Secure (when served over TLS, directly or behind a proxy).
    #[arg(long, env = "YINQI_SECURE_COOKIES")]
    pub secure_cookies: bool,
    /// Hours a login lasts.
    #[arg(long, default_value_t = 8)]
    pub session_hours: i64,
    /// The address enterprises reach the platform at (the start of every invitation link),
    /// e.g. `https://yinqi.example.gov.cn`; default `http://` + the listen address.
    #[arg(long, env = "YINQI_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Log requests as JSON lines (for log collectors) instead of text.
    #[arg(long)]
    pub json_logs: bool,
    /// Where uploaded list files wait while they are imported (default: the system's
    /// temporary directory). Needs room for the largest upload.
    #[arg(long, env = "YINQI_UPLOAD_DIR")]
    pub upload_dir: Option<std::path::PathBuf>,
}

pub fn run(ctx: &Context, args: &ServeArgs) -> anyhow::Result<()> {
    init_logging(args.json_logs);
    let store = ctx.open()?;
    let state = AppState::new(
        store,
        Config {
            secure_cookies: args.secure_cookies,
            session_hours: args.session_hours.clamp(1, 24 * 30),
            public_url: args
                .public_url
                .clone()
                .unwrap_or_else(|| format!("http://{}", args.listen))
                .trim_end_matches('/')
                .to_owned(),
            upload_dir: args
                .upload_dir
                .clone()
                .unwrap_or_else(|| Config::default().upload_dir),
        },
    );
    println!("yinqi 已启动：http://{}/ （Ctrl-C 停止）", args.listen);
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(yinqi_web::serve(state, args.listen))?;
    Ok(())
}

fn init_logging(json: bool) {
    let builder = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::INFO)
        .with_target(false);
    let _ = if json {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}
