-- Cascades: whether a policy's cascade judged an attempt's answer (kept, or escalated: outcome 'escalated'), the
-- confidence it judged it by when the engine measured one, and how long each attempt took, so that the cost of an
-- escalation (its price and its latency) shows in the ledger and the reports. Rows written before this migration are
-- attempts no cascade judged, without a confidence or a latency. Valid on PostgreSQL and on H2 in PostgreSQL mode.
ALTER TABLE ledger_attempt ADD COLUMN judged BOOLEAN DEFAULT FALSE NOT NULL;
ALTER TABLE ledger_attempt ADD COLUMN confidence DOUBLE PRECISION;
ALTER TABLE ledger_attempt ADD COLUMN latency_ms BIGINT;
