//! The web platform in-process: real stores (SQLite always; PostgreSQL in the `postgres`
//! modules, run with `--ignored`), requests through the whole router.

mod access;
mod answers_api;
mod codes;
mod dashboards;
mod enterprise_flow;
mod exports;
mod harness;
mod hostile;
mod lists;
mod login;
mod personal_data;
mod questionnaires;
mod tokens;
mod users;
mod workbench;
