-- Shadow comparisons: one row per comparison of a request's answer with a stronger tier's answer to the same body.
-- Priced like attempts but never billed to the tenant (not in ledger_request.cost_usd). No prompt or answer text.
-- Valid on PostgreSQL and on H2 in PostgreSQL mode.
CREATE TABLE ledger_shadow (
  request_id        VARCHAR(64)              NOT NULL,
  seq               INTEGER                  NOT NULL,
  ts                TIMESTAMP WITH TIME ZONE NOT NULL,
  policy            VARCHAR(200)             NOT NULL,
  served_tier       VARCHAR(16)              NOT NULL,
  shadow_tier       VARCHAR(16)              NOT NULL,
  complexity        DOUBLE PRECISION         NOT NULL,
  confidence        DOUBLE PRECISION,
  verdict           VARCHAR(16)              NOT NULL,
  judge             VARCHAR(32)              NOT NULL,
  cost_usd          NUMERIC(24, 12)          NOT NULL,
  judge_cost_usd    NUMERIC(24, 12)          NOT NULL,
  prompt_tokens     BIGINT                   NOT NULL,
  completion_tokens BIGINT                   NOT NULL,
  latency_ms        BIGINT                   NOT NULL,
  CONSTRAINT ledger_shadow_pk PRIMARY KEY (request_id, seq)
);

-- One policy's comparisons over time (today's spend, the statistics rebuilt at start-up).
CREATE INDEX ledger_shadow_policy_ts_idx ON ledger_shadow (policy, ts);
