package dev.burstgate.gateway.routing;

import dev.burstgate.gateway.api.ApiException;
import dev.burstgate.gateway.api.ChatCompletionRequest;
import dev.burstgate.gateway.tenant.Tenant;
import dev.burstgate.policies.Tier;
import dev.burstgate.policies.budget.BudgetState;
import dev.burstgate.policies.budget.ExhaustedAction;
import dev.burstgate.policies.policy.Policy;
import dev.burstgate.policies.routing.RoutingInput;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpHeaders;

/** Classifies a request and applies the tenant's policy to it. */
public interface RequestRouter {

    /**
     * Routes one request. Pure CPU work, no I/O: the caller fetches the tenant's budget state beforehand (without
     * blocking) and passes it in.
     *
     * @param budget the tenant's budget state now (spent or reserved against its limits)
     */
    Decision route(Tenant tenant, ChatCompletionRequest request, HttpHeaders headers, BudgetState budget);

    /** The outcome of routing: tiers to try, or a refusal. */
    sealed interface Decision {

        /**
         * @param tiers the tiers to try in order; never empty
         * @param reason short and human, e.g. {@code score 0.71 >= 0.60 -> cloud}
         * @param onExhausted what the dispatcher does when a tier's budget reservation is refused (see
         *     {@link RoutedRequest#onExhausted()})
         * @param cascade the policy's cascade when the local tier's answer is to be judged before it is kept (see
         *     {@link RoutedRequest#cascade()}); else null
         * @param input what the router saw, for the ledger; null when not known
         */
        record Route(
                String policy,
                double complexity,
                List<Tier> tiers,
                String reason,
                ExhaustedAction onExhausted,
                Policy.@Nullable Cascade cascade,
                @Nullable RoutingInput input)
                implements Decision {
            public Route {
                if (tiers.isEmpty()) {
                    throw new IllegalArgumentException("tiers must not be empty");
                }
                tiers = List.copyOf(tiers);
                Objects.requireNonNull(onExhausted, "onExhausted");
            }

            /** A route that does not cascade, without the router's inputs. */
            public Route(
                    String policy, double complexity, List<Tier> tiers, String reason, ExhaustedAction onExhausted) {
                this(policy, complexity, tiers, reason, onExhausted, null, null);
            }

            /** A route whose budget refusals reject ({@link ExhaustedAction#REJECT}). */
            public Route(String policy, double complexity, List<Tier> tiers, String reason) {
                this(policy, complexity, tiers, reason, ExhaustedAction.REJECT);
            }
        }

        /**
         * A refusal with the error the client gets.
         *
         * @param input what the router saw, for the ledger; null when not known
         */
        record Reject(
                String policy,
                double complexity,
                ApiException error,
                @Nullable RoutingInput input) implements Decision {

            /** A refusal without the router's inputs. */
            public Reject(String policy, double complexity, ApiException error) {
                this(policy, complexity, error, null);
            }
        }
    }
}
