-- The cost ledger: one row per request, one per attempt. Valid on PostgreSQL and on H2 in PostgreSQL mode.
-- No prompt or answer text is stored. Money is exact: NUMERIC with 12 decimals (USD).
CREATE TABLE ledger_request (
  id                VARCHAR(64)              NOT NULL,
  tenant            VARCHAR(200)             NOT NULL,
  ts                TIMESTAMP WITH TIME ZONE NOT NULL,
  policy            VARCHAR(200)             NOT NULL,
  complexity        DOUBLE PRECISION         NOT NULL,
  decided_tier      VARCHAR(16),
  final_tier        VARCHAR(16),
  prompt_tokens     BIGINT                   NOT NULL,
  completion_tokens BIGINT                   NOT NULL,
  cost_usd          NUMERIC(24, 12)          NOT NULL,
  baseline_usd      NUMERIC(24, 12)          NOT NULL,
  saving_usd        NUMERIC(24, 12)          NOT NULL,
  ttfb_ms           BIGINT,
  latency_ms        BIGINT                   NOT NULL,
  cache_hit         BOOLEAN                  NOT NULL,
  stream            BOOLEAN                  NOT NULL,
  outcome           VARCHAR(16)              NOT NULL,
  reason            VARCHAR(500)             NOT NULL,
  CONSTRAINT ledger_request_pk PRIMARY KEY (id)
);

-- Time-range reports and the most recent requests.
CREATE INDEX ledger_request_ts_idx ON ledger_request (ts);
-- One tenant's requests over time.
CREATE INDEX ledger_request_tenant_ts_idx ON ledger_request (tenant, ts);

-- Attempts of a request, in order (seq from 0). Written in the same transaction as their request, so every attempt
-- has its request; no foreign key, which would cost a lookup and a row lock per attempt on the write path.
CREATE TABLE ledger_attempt (
  request_id        VARCHAR(64)     NOT NULL,
  seq               INTEGER         NOT NULL,
  tier              VARCHAR(16)     NOT NULL,
  endpoint          VARCHAR(300)    NOT NULL,
  outcome           VARCHAR(16)     NOT NULL,
  prompt_tokens     BIGINT          NOT NULL,
  completion_tokens BIGINT          NOT NULL,
  usage_estimated   BOOLEAN         NOT NULL,
  cost_usd          NUMERIC(24, 12) NOT NULL,
  error             VARCHAR(500),
  CONSTRAINT ledger_attempt_pk PRIMARY KEY (request_id, seq)
);
