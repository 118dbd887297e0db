-- Indexes of the reports (issue 17, BENCHMARKS.md "Reports"): each report reads one index in order, covering every
-- column it needs, instead of the deals or leads table. Each replaces a narrower index that is its prefix.
-- The funnel's cohort (a pipeline's deals created in a range, by owner) and what it counts of them.
CREATE INDEX deals_cohort ON deals (pipeline_id, created_at, owner_id, stage_id, amount_minor);
-- The funnel reads each cohort deal's stage history in order (next move, furthest stage) from the index alone.
CREATE INDEX stage_changes_history ON stage_changes (deal_id, id, to_stage_id, at);
DROP INDEX stage_changes_deal;
-- Deal dynamics: the deals closed in a range (30 % of them at most have a closing).
CREATE INDEX deals_closed ON deals (closed_at, pipeline_id, owner_id, stage_id, amount_minor) WHERE closed_at IS NOT NULL;
-- The forecast sums the deals of the open stages; also what deals_stage served (deals of a stage).
CREATE INDEX deals_stage_amounts ON deals (stage_id, pipeline_id, owner_id, amount_minor);
DROP INDEX deals_stage;
-- Lead sources: leads grouped by source in index order (no sort), a range of created_at within each source.
CREATE INDEX leads_sources ON leads (source_id, created_at, owner_id, status, deal_id);
