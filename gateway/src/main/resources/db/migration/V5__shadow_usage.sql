-- Measured savings: whether a shadow call's tokens are the ones the shadow tier reported (FALSE) or an estimate from
-- the characters (TRUE: the tier reported no usage, or the call failed). Only reported tokens measure what the legacy
-- API would have charged. NULL for rows written before this column: not known, so never counted as a measurement.
-- Valid on PostgreSQL and on H2 in PostgreSQL mode.
ALTER TABLE ledger_shadow ADD COLUMN usage_estimated BOOLEAN;
