package dev.burstgate.gateway.routing;

import dev.burstgate.gateway.api.ApiException;
import dev.burstgate.gateway.api.ChatCompletionRequest;
import dev.burstgate.gateway.tenant.Tenant;
import dev.burstgate.policies.Tier;
import java.util.List;
import org.springframework.http.HttpHeaders;

/** Classifies a request and applies the tenant's policy to it. */
public interface RequestRouter {

  Decision route(Tenant tenant, ChatCompletionRequest request, HttpHeaders headers);

  /** The outcome of routing: tiers to try, or a refusal. */
  sealed interface Decision {

    /**
     * @param tiers the tiers to try in order; never empty
     * @param reason short and human, e.g. {@code score 0.71 >= 0.60 -> cloud}
     */
    record Route(String policy, double complexity, List<Tier> tiers, String reason) implements Decision {
      public Route {
        if (tiers.isEmpty()) {
          throw new IllegalArgumentException("tiers must not be empty");
        }
        tiers = List.copyOf(tiers);
      }
    }

    /** A refusal with the error the client gets. */
    record Reject(String policy, double complexity, ApiException error) implements Decision {}
  }
}
