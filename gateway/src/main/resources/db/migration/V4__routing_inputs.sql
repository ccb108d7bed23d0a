-- What the router saw for each request, for the policy lab's replays (policy-lab --from-ledger): one JSON object
-- (dev.burstgate.policies.routing.RoutingRecord, with its version in "v") holding the complexity score, the kinds and
-- counts of personal data, the request's needs, the client's overrides, the local engine's queue, the tenant's budget
-- state, which tiers were up, and how long each tier tried took. Never prompt or answer text. NULL for requests
-- recorded before this column, or with burstgate.ledger.routing-inputs=false.
ALTER TABLE ledger_request ADD COLUMN routing_inputs VARCHAR(8000);
