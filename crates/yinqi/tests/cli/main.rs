//! End-to-end tests of the `yinqi` command: real files, the real binary, real databases.
//! SQLite always; PostgreSQL in the `postgres` modules (run with `--ignored`, needs
//! `YINQI_TEST_POSTGRES`).

mod bad_input;
mod harness;
mod list_round;
mod listing;
mod registry;
mod serve;
