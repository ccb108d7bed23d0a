package dev.burstgate.gateway.tier;

import java.net.URI;
import java.util.List;

/** Stand-ins for unconfigured remote tiers: OpenAI-compatible nodes on loopback, priced like the real tiers. */
public interface SimulatedNodes {

    /** The simulated cloud pool's nodes (base URLs). */
    List<URI> cloudNodes();

    /** The simulated legacy API (base URL). */
    URI legacyNode();
}
