-- The database contract. Analysts query this file directly: names here are stable.
CREATE TABLE municipality (code VARCHAR PRIMARY KEY, name VARCHAR NOT NULL, county_code VARCHAR NOT NULL);
CREATE TABLE region_group (code VARCHAR PRIMARY KEY, name VARCHAR NOT NULL, name_en VARCHAR NOT NULL,
    kind VARCHAR NOT NULL, source VARCHAR);
CREATE TABLE region_member (group_code VARCHAR NOT NULL, region_code VARCHAR NOT NULL,
    valid_from INTEGER, valid_to INTEGER, source VARCHAR, note VARCHAR);
-- Every code an observation or aggregate can carry, with its display names; MLR's members first.
CREATE TABLE region (code VARCHAR PRIMARY KEY, name_sv VARCHAR NOT NULL, name_en VARCHAR NOT NULL,
    kind VARCHAR NOT NULL, sort_order INTEGER NOT NULL, county_code VARCHAR, mlr_member BOOLEAN NOT NULL);
CREATE TABLE plan (id VARCHAR PRIMARY KEY, name_sv VARCHAR, name_en VARCHAR, revision_sv VARCHAR,
    start_year INTEGER, end_year INTEGER, is_current BOOLEAN, source VARCHAR);
CREATE TABLE focus_area (id VARCHAR PRIMARY KEY, plan_id VARCHAR, sort_order INTEGER, name_sv VARCHAR,
    name_en VARCHAR, target_picture_sv VARCHAR, target_picture_en VARCHAR, target_picture_short_sv VARCHAR,
    target_picture_short_en VARCHAR, description_sv VARCHAR, description_en VARCHAR,
    responsible VARCHAR[], status VARCHAR, closed_year INTEGER, final_result_sv VARCHAR, final_result_en VARCHAR);
CREATE TABLE focus_area_indicator (focus_area_id VARCHAR, indicator_id VARCHAR, headline BOOLEAN,
    sort_order INTEGER);
CREATE TABLE indicator (id VARCHAR PRIMARY KEY, name_sv VARCHAR NOT NULL, name_en VARCHAR NOT NULL,
    unit VARCHAR NOT NULL, unit_en VARCHAR NOT NULL, decimals INTEGER NOT NULL, definition VARCHAR NOT NULL,
    definition_en VARCHAR NOT NULL, source VARCHAR NOT NULL, source_table VARCHAR NOT NULL,
    frequency VARCHAR NOT NULL, higher_is_better BOOLEAN, per_capita BOOLEAN NOT NULL,
    aggregation VARCHAR NOT NULL, focus_area_id VARCHAR, break_with VARCHAR, substitute_for VARCHAR,
    weight_indicator VARCHAR, weight_exact BOOLEAN);
CREATE TABLE observation (indicator_id VARCHAR NOT NULL, region_code VARCHAR NOT NULL, period INTEGER NOT NULL,
    value DOUBLE, status VARCHAR NOT NULL, source VARCHAR NOT NULL, source_url VARCHAR,
    retrieved_at TIMESTAMP, note VARCHAR, load_id VARCHAR NOT NULL,
    PRIMARY KEY (indicator_id, region_code, period));
-- Earlier vintages: a row is moved here when a later load changes or drops it.
CREATE TABLE observation_history (indicator_id VARCHAR NOT NULL, region_code VARCHAR NOT NULL,
    period INTEGER NOT NULL, value DOUBLE, status VARCHAR, source VARCHAR, source_url VARCHAR,
    retrieved_at TIMESTAMP, note VARCHAR, load_id VARCHAR, superseded_by VARCHAR, superseded_at TIMESTAMP);
-- Totals for cooperation groups (MLR), computed from members with each year's membership.
CREATE TABLE region_aggregate (indicator_id VARCHAR NOT NULL, group_code VARCHAR NOT NULL,
    period INTEGER NOT NULL, value DOUBLE, status VARCHAR NOT NULL, members_expected INTEGER,
    members_present INTEGER, method VARCHAR, note VARCHAR,
    PRIMARY KEY (indicator_id, group_code, period));
CREATE TABLE target (id VARCHAR PRIMARY KEY, indicator_id VARCHAR, focus_area_id VARCHAR, scope VARCHAR,
    direction VARCHAR, baseline_period INTEGER, baseline_value DOUBLE, target_period INTEGER,
    target_value DOUBLE, tolerance_pct DOUBLE, basis_sv VARCHAR, basis_en VARCHAR, note_sv VARCHAR,
    note_en VARCHAR);
CREATE TABLE activity (id VARCHAR PRIMARY KEY, focus_area_id VARCHAR, year INTEGER, date DATE,
    title_sv VARCHAR, title_en VARCHAR, description_sv VARCHAR, description_en VARCHAR,
    participants_sv VARCHAR, participants_en VARCHAR, budget_sek BIGINT, result_sv VARCHAR,
    result_en VARCHAR, source VARCHAR, note VARCHAR);
CREATE TABLE activity_indicator (activity_id VARCHAR, indicator_id VARCHAR);
CREATE TABLE follow_up (focus_area_id VARCHAR, year INTEGER, result_sv VARCHAR, result_en VARCHAR,
    source VARCHAR);
CREATE TABLE load_log (load_id VARCHAR NOT NULL, source VARCHAR NOT NULL, started TIMESTAMP NOT NULL,
    finished TIMESTAMP NOT NULL, rows INTEGER NOT NULL, checksum VARCHAR NOT NULL, outcome VARCHAR NOT NULL,
    message VARCHAR);
-- What the dashboard and the API read: sourced figures and group totals in one shape.
CREATE VIEW series AS
    SELECT indicator_id, region_code, period, value, status, source, source_url, retrieved_at, note
    FROM observation
    UNION ALL
    SELECT a.indicator_id, a.group_code, a.period, a.value, a.status, a.method, NULL, NULL, a.note
    FROM region_aggregate a;
