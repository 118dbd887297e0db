-- Indexes of the reports (issue 17, BENCHMARKS.md "Reports"): each report reads an index in an order that spares it
-- a sort, covering every column it needs, instead of the deals or leads table. Two replace a narrower index that is
-- their prefix.
-- The funnel's cohort (a pipeline's deals created in a range, by owner) in id order: each deal's stage history is
-- then read in deal order, and grouped per deal without a sort.
CREATE INDEX deals_cohort ON deals (pipeline_id, id, created_at, owner_id);
-- The funnel reads each cohort deal's stage history in order (next move, furthest stage) from the index alone.
CREATE INDEX stage_changes_history ON stage_changes (deal_id, id, to_stage_id, at);
DROP INDEX stage_changes_deal;
-- The funnel's deals per stage now (in stage order) and the forecast's open stages; also what deals_stage served.
CREATE INDEX deals_stage_amounts ON deals (stage_id, pipeline_id, created_at, owner_id, amount_minor);
DROP INDEX deals_stage;
-- Deal dynamics: the deals closed in a range (about 30 % of all deals have a closing).
CREATE INDEX deals_closed ON deals (closed_at, pipeline_id, owner_id, stage_id, amount_minor) WHERE closed_at IS NOT NULL;
-- Lead sources: leads grouped by source in index order (no sort), a range of created_at within each source.
CREATE INDEX leads_sources ON leads (source_id, created_at, owner_id, status, deal_id);
