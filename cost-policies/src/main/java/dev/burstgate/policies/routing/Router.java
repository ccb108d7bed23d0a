package dev.burstgate.policies.routing;

import dev.burstgate.policies.Tier;
import dev.burstgate.policies.budget.BudgetRules;
import dev.burstgate.policies.capability.TierCapabilities;
import dev.burstgate.policies.cost.PriceTable;
import dev.burstgate.policies.policy.Policy;
import dev.burstgate.policies.privacy.PiiKind;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * Turns a policy and the signals of one request into a {@link RoutingDecision}. A pure function: no clock, no I/O,
 * no state; the same inputs always give the same decision. Shared by the gateway and the simulator.
 *
 * <p>Order of rules:
 * <ol>
 *   <li>allowed tiers = the policy's {@code allowed-tiers};
 *   <li>privacy: personal data of a watched kind either rejects ({@code PII_REJECTED}) or narrows to local;
 *   <li>budget: a degrade step caps the most expensive tier; at 100 % {@code reject} refuses
 *       ({@code BUDGET_EXHAUSTED}) unless the local tier is free, {@code local-only} narrows to local;
 *   <li>capabilities: a tier that lacks what the request needs (tools, JSON output, images, a context as long as the
 *       prompt) is not allowed for it; a forced tier that lacks it, or no allowed tier left, refuses
 *       ({@code UNSUPPORTED_BY_TIERS}, naming the parameter);
 *   <li>a forced tier is honoured when the policy lets clients force it, it is allowed now and it is up
 *       (otherwise {@code TIER_NOT_ALLOWED} / {@code NO_TIER_AVAILABLE}); it gets no fallback chain;
 *   <li>otherwise the score picks a tier by the thresholds; a tier not allowed becomes the nearest allowed one,
 *       cheaper first;
 *   <li>local bursts to the first allowed, healthy tier of local's fallback chain when the engine is not admitting,
 *       its queue wait exceeds {@code burst.max-local-queue-wait-ms} or the latency ceiling, or its queue is
 *       {@code burst.max-local-queue-length} long;
 *   <li>a tier that is down is replaced by the first allowed, healthy tier of its fallback chain;
 *   <li>the fallback chain is the chosen tier's configured chain, keeping allowed, healthy tiers;
 *   <li>the route cascades (the policy's {@code cascade}) when it ends on the local tier, its fallback chain is not
 *       empty and the request is not streamed or the cascade has a stream buffer.
 * </ol>
 */
public final class Router {

    private final PriceTable prices;
    private final TierCapabilities capabilities;

    /**
     * A router for tiers that serve everything.
     *
     * @param prices used only to know whether the local tier is free (a free tier is never blocked by a budget)
     */
    public Router(PriceTable prices) {
        this(prices, TierCapabilities.UNRESTRICTED);
    }

    /**
     * @param prices used only to know whether the local tier is free (a free tier is never blocked by a budget)
     * @param capabilities what each tier can serve; a request goes only to tiers that have what it needs
     */
    public Router(PriceTable prices, TierCapabilities capabilities) {
        this.prices = Objects.requireNonNull(prices, "prices");
        this.capabilities = Objects.requireNonNull(capabilities, "capabilities");
    }

    /** What this router assumes each tier can serve. */
    public TierCapabilities capabilities() {
        return capabilities;
    }

    public RoutingDecision route(Policy policy, RoutingInput in) {
        Set<Tier> allowed = EnumSet.copyOf(policy.allowedTiers());
        List<String> notes = new ArrayList<>(2);

        Policy.Privacy privacy = policy.privacy();
        if (in.privacy().foundAny(privacy.kinds())) {
            String kinds = in.privacy().kinds().stream()
                    .filter(privacy.kinds()::contains)
                    .map(PiiKind::key)
                    .collect(Collectors.joining(", "));
            switch (privacy.onPii()) {
                case ALLOW -> {}
                case REJECT -> {
                    return new RoutingDecision.Reject(
                            RejectCode.PII_REJECTED, "personal data (" + kinds + ") not accepted");
                }
                case LOCAL_ONLY -> {
                    allowed.retainAll(EnumSet.of(Tier.LOCAL));
                    notes.add("personal data (" + kinds + ") → local only");
                }
            }
        }

        BudgetRules.Verdict verdict = policy.budget().verdict(in.budget());
        switch (verdict) {
            case BudgetRules.Verdict.Unrestricted u -> {}
            case BudgetRules.Verdict.Capped c -> {
                allowed.removeIf(t -> t.ordinal() > c.maxTier().ordinal());
                notes.add("budget " + percent(c.fractionUsed()) + " used → at most " + key(c.maxTier()));
            }
            case BudgetRules.Verdict.Exhausted e -> {
                switch (e.action()) {
                    case REJECT -> {
                        if (prices.price(Tier.LOCAL).isFree() && allowed.contains(Tier.LOCAL)) {
                            allowed.retainAll(EnumSet.of(Tier.LOCAL));
                            notes.add("budget exhausted → free local only");
                        } else {
                            return new RoutingDecision.Reject(
                                    RejectCode.BUDGET_EXHAUSTED,
                                    "budget exhausted (" + percent(e.fractionUsed()) + " used)");
                        }
                    }
                    case LOCAL_ONLY -> {
                        allowed.retainAll(EnumSet.of(Tier.LOCAL));
                        notes.add("budget exhausted → local only");
                    }
                }
            }
        }

        Map<Tier, TierCapabilities.Lack> lacks = new EnumMap<>(Tier.class);
        for (Tier t : Tier.values()) {
            if (allowed.contains(t)) {
                TierCapabilities.Lack lack = capabilities.lack(t, in.needs());
                if (lack != null) {
                    allowed.remove(t);
                    lacks.put(t, lack);
                }
            }
        }

        Tier forced = in.overrides().forcedTier();
        if (forced != null) {
            if (!policy.allowedForcedTiers().contains(forced)) {
                return new RoutingDecision.Reject(
                        RejectCode.TIER_NOT_ALLOWED,
                        "policy " + policy.name() + " does not let clients force " + key(forced));
            }
            TierCapabilities.Lack lack = lacks.get(forced);
            if (lack != null) {
                return new RoutingDecision.Reject(
                        RejectCode.UNSUPPORTED_BY_TIERS,
                        "the " + key(forced) + " tier cannot serve this request: " + lack.note(),
                        lack.parameter());
            }
            if (!allowed.contains(forced)) {
                return new RoutingDecision.Reject(
                        RejectCode.TIER_NOT_ALLOWED,
                        "forced " + key(forced) + " not allowed"
                                + (notes.isEmpty() ? " by policy " + policy.name() : ": " + String.join("; ", notes)));
            }
            if (!in.health().isUp(forced)) {
                return new RoutingDecision.Reject(RejectCode.NO_TIER_AVAILABLE, "forced " + key(forced) + " is down");
            }
            return new RoutingDecision.Route(forced, List.of(), "forced by request: " + key(forced));
        }

        if (allowed.isEmpty()) {
            if (!lacks.isEmpty()) {
                TierCapabilities.Lack first = lacks.values().iterator().next();
                return new RoutingDecision.Reject(
                        RejectCode.UNSUPPORTED_BY_TIERS,
                        "no tier this request may use can serve it: "
                                + lacks.values().stream()
                                        .map(l -> key(l.tier()) + " " + l.note())
                                        .collect(Collectors.joining("; "))
                                + suffix(notes),
                        first.parameter());
            }
            return new RoutingDecision.Reject(
                    RejectCode.NO_TIER_AVAILABLE, "no tier allowed: " + String.join("; ", notes));
        }

        double score = in.complexity().score();
        Tier preferred = policy.thresholds().tierFor(score);
        @Nullable String reason = policy.thresholds().reason(score);
        Tier target = nearestAllowed(preferred, allowed);
        TierCapabilities.Lack preferredLack = lacks.get(preferred);
        if (preferredLack != null) {
            reason = reason + "; " + preferredLack.note() + " → " + key(target);
        } else if (target != preferred) {
            reason = reason + " → " + key(target);
        }

        if (target == Tier.LOCAL) {
            String burst = burstReason(policy, in);
            if (burst != null) {
                Tier next = firstUsable(policy.fallbackFor(Tier.LOCAL), allowed, in.health(), Tier.LOCAL);
                if (next != null) {
                    notes.add(0, "burst: " + burst + " → " + key(next));
                    reason = null;
                    target = next;
                } else if (!in.local().admitting()) {
                    return new RoutingDecision.Reject(
                            RejectCode.NO_TIER_AVAILABLE,
                            "local not admitting and no burst tier allowed" + suffix(notes));
                } else {
                    notes.add("local busy (" + burst + "), no burst tier allowed");
                }
            }
        }

        if (!in.health().isUp(target)) {
            Tier next = firstUsable(policy.fallbackFor(target), allowed, in.health(), target);
            if (next == null) {
                return new RoutingDecision.Reject(
                        RejectCode.NO_TIER_AVAILABLE,
                        key(target) + " down and no fallback tier available" + suffix(notes));
            }
            notes.add(key(target) + " down → " + key(next));
            target = next;
        }

        List<Tier> chain = new ArrayList<>(3);
        for (Tier t : policy.fallbackFor(target)) {
            if (t != target && allowed.contains(t) && in.health().isUp(t)) {
                chain.add(t);
            }
        }
        List<String> parts = new ArrayList<>(notes.size() + 1);
        if (reason != null) {
            parts.add(reason);
        }
        parts.addAll(notes);
        Policy.Cascade cascade = policy.cascade();
        boolean cascades = cascade != null && target == Tier.LOCAL && !chain.isEmpty() && cascade.covers(in.stream());
        return new RoutingDecision.Route(target, chain, String.join("; ", parts), cascades ? cascade : null);
    }

    private static @Nullable String burstReason(Policy policy, RoutingInput in) {
        LocalEngineState local = in.local();
        if (!local.admitting()) {
            return "local not admitting";
        }
        Long maxWait = policy.burst().maxLocalQueueWaitMs();
        if (maxWait != null && local.queueWaitMs() > maxWait) {
            return "local wait " + local.queueWaitMs() + "ms > " + maxWait + "ms";
        }
        Integer maxLen = policy.burst().maxLocalQueueLength();
        if (maxLen != null && local.queueLength() >= maxLen) {
            return "local queue " + local.queueLength() + " >= " + maxLen;
        }
        Long ceiling = minOrNull(policy.latency().maxMs(), in.overrides().maxLatencyMs());
        if (ceiling != null && local.queueWaitMs() > ceiling) {
            return "local wait " + local.queueWaitMs() + "ms > latency ceiling " + ceiling + "ms";
        }
        return null;
    }

    private static @Nullable Long minOrNull(@Nullable Long a, @Nullable Long b) {
        if (a == null) {
            return b;
        }
        return b == null ? a : Math.min(a, b);
    }

    private static Tier nearestAllowed(Tier preferred, Set<Tier> allowed) {
        if (allowed.contains(preferred)) {
            return preferred;
        }
        for (int i = preferred.ordinal() - 1; i >= 0; i--) {
            if (allowed.contains(Tier.values()[i])) {
                return Tier.values()[i];
            }
        }
        for (int i = preferred.ordinal() + 1; i < Tier.values().length; i++) {
            if (allowed.contains(Tier.values()[i])) {
                return Tier.values()[i];
            }
        }
        throw new IllegalStateException("allowed tiers must not be empty");
    }

    private static @Nullable Tier firstUsable(List<Tier> chain, Set<Tier> allowed, TierHealth health, Tier from) {
        for (Tier t : chain) {
            if (t != from && allowed.contains(t) && health.isUp(t)) {
                return t;
            }
        }
        return null;
    }

    private static String suffix(List<String> notes) {
        return notes.isEmpty() ? "" : " (" + String.join("; ", notes) + ")";
    }

    private static String key(Tier t) {
        return t.label();
    }

    private static String percent(double fraction) {
        return Math.round(fraction * 100) + "%";
    }
}
