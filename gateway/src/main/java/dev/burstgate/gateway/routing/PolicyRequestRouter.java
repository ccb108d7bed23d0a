package dev.burstgate.gateway.routing;

import dev.burstgate.gateway.api.ApiException;
import dev.burstgate.gateway.api.BurstgateHeaders;
import dev.burstgate.gateway.api.ChatCompletionRequest;
import dev.burstgate.gateway.tenant.Tenant;
import dev.burstgate.gateway.tier.TierBackend;
import dev.burstgate.policies.Tier;
import dev.burstgate.policies.budget.BudgetState;
import dev.burstgate.policies.budget.ExhaustedAction;
import dev.burstgate.policies.capability.RequestNeeds;
import dev.burstgate.policies.classifier.ChatMessage;
import dev.burstgate.policies.classifier.Complexity;
import dev.burstgate.policies.classifier.ComplexityClassifier;
import dev.burstgate.policies.cost.TokenEstimate;
import dev.burstgate.policies.policy.Policy;
import dev.burstgate.policies.policy.PolicyRegistry;
import dev.burstgate.policies.privacy.PiiDetector;
import dev.burstgate.policies.privacy.PrivacySignal;
import dev.burstgate.policies.routing.LocalEngineState;
import dev.burstgate.policies.routing.RequestOverrides;
import dev.burstgate.policies.routing.Router;
import dev.burstgate.policies.routing.RoutingDecision;
import dev.burstgate.policies.routing.RoutingInput;
import dev.burstgate.policies.routing.TierHealth;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;

/**
 * Routes with the deployed policy: the same {@link PolicyRegistry}, classifier and {@link Router} the policy lab
 * simulates with, fed with the live state (local engine queue, tier health, and the tenant budget state its caller
 * fetched) and the request's overrides ({@code model}, {@code X-Burstgate-Policy}, {@code X-Burstgate-Max-Latency-Ms}).
 */
public final class PolicyRequestRouter implements RequestRouter {

    private final PolicyRegistry policies;
    private final ComplexityClassifier classifier;
    private final PiiDetector pii;
    private final Router router;
    private final Supplier<LocalEngineState> local;
    private final Map<Tier, TierBackend> backends;

    public PolicyRequestRouter(
            PolicyRegistry policies,
            ComplexityClassifier classifier,
            PiiDetector pii,
            Router router,
            Supplier<LocalEngineState> local,
            List<TierBackend> backends) {
        this.policies = policies;
        this.classifier = classifier;
        this.pii = pii;
        this.router = router;
        this.local = local;
        Map<Tier, TierBackend> byTier = new EnumMap<>(Tier.class);
        backends.forEach(b -> byTier.put(b.tier(), b));
        this.backends = Collections.unmodifiableMap(byTier);
    }

    @Override
    public Decision route(Tenant tenant, ChatCompletionRequest request, HttpHeaders headers, BudgetState budget) {
        Policy policy = policy(tenant, headers.getFirst(BurstgateHeaders.POLICY));
        List<ChatMessage> messages = new ArrayList<>(request.messages().size());
        for (ChatCompletionRequest.Message m : request.messages()) {
            messages.add(new ChatMessage(m.role(), m.content()));
        }
        Complexity complexity = classifier.classify(messages);
        PrivacySignal privacy = pii.scan(messages);
        RoutingInput input = RoutingInput.of(complexity)
                .withPrivacy(privacy)
                .withBudget(budget)
                .withLocal(local.get())
                .withHealth(health())
                .withOverrides(new RequestOverrides(request.forcedTier(), maxLatency(headers)))
                .withNeeds(new RequestNeeds(request.needs(), TokenEstimate.promptTokens(request.promptChars())))
                .withStream(request.stream());
        return switch (router.route(policy, input)) {
            case RoutingDecision.Route r -> {
                List<Tier> tiers = new ArrayList<>(1 + r.fallbackChain().size());
                tiers.add(r.tier());
                for (Tier t : r.fallbackChain()) {
                    if (!tiers.contains(t)) {
                        tiers.add(t);
                    }
                }
                yield new Decision.Route(
                        policy.name(), complexity.score(), tiers, r.reason(), onExhausted(policy), r.cascade(), input);
            }
            case RoutingDecision.Reject r ->
                new Decision.Reject(
                        policy.name(),
                        complexity.score(),
                        new ApiException(
                                HttpStatus.valueOf(r.code().httpStatus()),
                                type(r.code().httpStatus()),
                                r.code().name().toLowerCase(java.util.Locale.ROOT),
                                r.parameter() != null ? r.parameter() : r.code().httpStatus() == 400 ? "model" : null,
                                r.reason()),
                        input);
        };
    }

    /** The policy's action at 100 %, as the dispatcher applies it: local-only needs a local tier the policy allows. */
    private static ExhaustedAction onExhausted(Policy policy) {
        return policy.onExhausted();
    }

    private static String type(int status) {
        return switch (status) {
            case 402 -> "insufficient_quota";
            case 400 -> "invalid_request_error";
            default -> "api_error";
        };
    }

    /** What a policy name may look like in a request header. */
    private static final java.util.regex.Pattern POLICY_NAME = java.util.regex.Pattern.compile("[A-Za-z0-9._-]{1,64}");

    private Policy policy(Tenant tenant, @Nullable String requested) {
        String name = requested == null || requested.isBlank() ? tenant.policy() : requested.strip();
        if (!POLICY_NAME.matcher(name).matches()) {
            // Not echoed: the value is the client's and may be anything.
            throw ApiException.badRequest(
                    "invalid_header",
                    BurstgateHeaders.POLICY,
                    "'" + BurstgateHeaders.POLICY
                            + "' must be a policy name: letters, digits, '.', '_' or '-', at most 64 characters.");
        }
        if (!tenant.mayUse(name)) {
            throw ApiException.forbidden("Tenant '" + tenant.name() + "' may not use policy '" + name + "'.");
        }
        Optional<Policy> p = policies.find(name);
        if (p.isEmpty()) {
            throw ApiException.badRequest(
                    "policy_not_found",
                    BurstgateHeaders.POLICY,
                    "Unknown policy '" + name + "'. Known policies: " + String.join(", ", policies.names()) + ".");
        }
        return p.get();
    }

    private static @Nullable Long maxLatency(HttpHeaders headers) {
        String v = headers.getFirst(BurstgateHeaders.MAX_LATENCY_MS);
        if (v == null || v.isBlank()) {
            return null;
        }
        try {
            long ms = Long.parseLong(v.strip());
            if (ms <= 0) {
                throw new NumberFormatException();
            }
            return ms;
        } catch (NumberFormatException e) {
            throw ApiException.badRequest(
                    "invalid_header",
                    BurstgateHeaders.MAX_LATENCY_MS,
                    "'" + BurstgateHeaders.MAX_LATENCY_MS + "' must be a positive whole number of milliseconds.");
        }
    }

    private TierHealth health() {
        Set<Tier> up = EnumSet.noneOf(Tier.class);
        for (Map.Entry<Tier, TierBackend> e : backends.entrySet()) {
            if (e.getValue().available()) {
                up.add(e.getKey());
            }
        }
        return new TierHealth(up);
    }
}
