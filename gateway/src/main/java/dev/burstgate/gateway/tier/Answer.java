package dev.burstgate.gateway.tier;

import dev.burstgate.policies.Tier;

/** A chunk of the answer with the tier it came from. */
record Answer(Tier tier, UpstreamChunk chunk) {}
