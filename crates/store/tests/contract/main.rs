//! The store's contract: one suite of behaviour run against SQLite and against PostgreSQL.
//! SQLite runs always; PostgreSQL runs with `--ignored` and needs `YINQI_TEST_POSTGRES`
//! (e.g. `postgres://postgres@127.0.0.1:5432/test`): each test gets a schema of its own.

mod answers;
mod codes;
mod harness;
mod list_round;
mod listing;
mod progress;
mod reference;
mod visit_feedback;
mod worklist;

/// Expands each listed contract test into a SQLite test and an (ignored) PostgreSQL test.
macro_rules! contract {
    ($($module:ident :: $name:ident),+ $(,)?) => {
        mod sqlite {
            $(#[test] fn $name() { $crate::$module::$name(&$crate::harness::TestDb::sqlite()); })+
        }
        mod postgres {
            $(#[test]
              #[ignore = "needs PostgreSQL: set YINQI_TEST_POSTGRES and run with --ignored"]
              fn $name() { $crate::$module::$name(&$crate::harness::TestDb::postgres()); })+
        }
    };
}

contract!(
    answers::publishing_follows_version_rules,
    answers::draft_then_submit_is_idempotent,
    answers::concurrent_double_submit_makes_one_row,
    answers::concurrent_submissions_each_get_their_own_committed_result,
    answers::tampered_version_and_hidden_answers_are_refused,
    answers::scope_decides_who_reads_and_writes_answers,
    answers::corrections_keep_the_old_answers,
    answers::solution_status_moves_only_where_allowed,
    visit_feedback::enterprises_confirm_their_own_visits_once,
    visit_feedback::visit_feedback_is_read_by_the_bank_side_and_supervisors,
    visit_feedback::a_double_click_on_a_confirmation_makes_one_row,
    reference::fresh_database_has_bureaus_and_first_campaign,
    reference::reopening_does_not_migrate_twice,
    reference::campaigns_are_created_beside_each_other,
    reference::bank_registry_loads_and_reloads_in_place,
    reference::only_hq_loads_the_registry,
    reference::housekeeping_forgets_old_windows_and_expired_sessions,
    listing::import_lists_screens_and_assigns,
    listing::reupload_updates_in_place,
    listing::duplicates_in_one_file_are_held_back,
    listing::another_bureaus_enterprise_stays_with_it,
    listing::abandoned_import_changes_nothing,
    listing::scope_hides_other_bureaus_rows,
    listing::override_changes_eligibility_and_survives_reupload,
    listing::bureau_options_rescreen_credit_levels,
    listing::merge_and_recompute_agree,
    listing::campaigns_keep_separate_lists,
    listing::sorted_runs_load_the_same_list_as_direct_loading,
    listing::name_search_walks_frozen_and_draft_lists_in_name_order,
    codes::codes_wait_for_a_frozen_list,
    codes::codes_travel_down_to_the_bank,
    codes::revoked_code_stops_at_once,
    codes::managers_activate_and_see_their_enterprises,
    list_round::every_transition_is_legal_or_refused_clearly,
    list_round::only_the_right_side_takes_each_step,
    list_round::returning_needs_remarks_and_submitting_needs_rows,
    list_round::uploads_only_while_the_bureau_holds_the_list,
    list_round::an_import_under_way_when_the_list_is_submitted_is_refused,
    list_round::freezing_releases_the_list_and_history_tells_the_story,
    list_round::jobs_report_progress_results_and_error_files,
    list_round::a_job_whose_process_died_stops_blocking,
    worklist::worklist_statuses_follow_the_flow,
    worklist::worklist_filters_search_and_pages,
    worklist::pushes_are_kept_audited_and_scoped,
    progress::rollups_match_a_recount_after_random_events,
    progress::two_refreshers_at_once_count_each_change_once,
    progress::dashboards_stay_within_scope,
    progress::a_bank_sees_no_list_before_it_is_frozen,
    progress::stuck_solutions_count_by_the_day_asked,
    progress::reminders_reach_the_bank_and_take_one_reply,
    progress::new_thresholds_recount_the_flags,
);
