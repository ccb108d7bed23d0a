package dev.burstgate.policies.cost;

import dev.burstgate.policies.Tier;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Prices of the three tiers; immutable. Start from {@link #defaults()} and override tiers with {@link #with}:
 *
 * <pre>{@code
 * PriceTable prices = PriceTable.defaults()
 *     .with(Tier.CLOUD, new TierPrice(Usd.of("0.15"), Usd.of("0.20"), Usd.of("0.60")));
 * Usd cost = prices.cost(Tier.CLOUD, new Usage(1200, 300));
 * CostOutcome outcome = prices.outcome(List.of(new Attempt(Tier.LOCAL, Usage.NONE), new Attempt(Tier.CLOUD, usage)));
 * }</pre>
 */
public final class PriceTable {

    /** The product's default price of a local query: $0.02. */
    public static final Usd DEFAULT_LOCAL_PER_QUERY = Usd.of("0.02");
    /** The product's default price of a cloud query: $0.18. */
    public static final Usd DEFAULT_CLOUD_PER_QUERY = Usd.of("0.18");
    /** The product's default price of a legacy query: $1.10. */
    public static final Usd DEFAULT_LEGACY_PER_QUERY = Usd.of("1.10");

    private final Map<Tier, TierPrice> prices;

    private PriceTable(Map<Tier, TierPrice> prices) {
        this.prices = prices;
    }

    /** $0.02 / $0.18 / $1.10 per query for local / cloud / legacy; tokens free. */
    public static PriceTable defaults() {
        Map<Tier, TierPrice> m = new EnumMap<>(Tier.class);
        m.put(Tier.LOCAL, TierPrice.perQuery(DEFAULT_LOCAL_PER_QUERY));
        m.put(Tier.CLOUD, TierPrice.perQuery(DEFAULT_CLOUD_PER_QUERY));
        m.put(Tier.LEGACY, TierPrice.perQuery(DEFAULT_LEGACY_PER_QUERY));
        return new PriceTable(m);
    }

    /** A copy with {@code tier} priced at {@code price}. */
    public PriceTable with(Tier tier, TierPrice price) {
        Objects.requireNonNull(tier, "tier");
        Objects.requireNonNull(price, "price");
        Map<Tier, TierPrice> m = new EnumMap<>(prices);
        m.put(tier, price);
        return new PriceTable(m);
    }

    public TierPrice price(Tier tier) {
        // every table prices all three tiers: defaults() sets them, with() replaces one
        return Objects.requireNonNull(prices.get(tier), "price");
    }

    /** The exact cost of one attempt on {@code tier}. */
    public Usd cost(Tier tier, Usage usage) {
        return price(tier).cost(usage);
    }

    /** What the legacy tier would have charged for the same usage in one attempt. */
    public Usd baseline(Usage usage) {
        return cost(Tier.LEGACY, usage);
    }

    /**
     * Prices every billed attempt of one request and compares the sum with the legacy baseline. The baseline uses the
     * usage of the last attempt (the one that answered).
     *
     * @throws IllegalArgumentException when {@code attempts} is empty
     */
    public CostOutcome outcome(List<Attempt> attempts) {
        if (attempts.isEmpty()) {
            throw new IllegalArgumentException("attempts must not be empty");
        }
        Usd actual = Usd.ZERO;
        for (Attempt attempt : attempts) {
            actual = actual.plus(cost(attempt.tier(), attempt.usage()));
        }
        Usd baseline = baseline(attempts.get(attempts.size() - 1).usage());
        return new CostOutcome(actual, baseline);
    }

    /** One billed attempt of a request. */
    public record Attempt(Tier tier, Usage usage) {
        public Attempt {
            Objects.requireNonNull(tier, "tier");
            Objects.requireNonNull(usage, "usage");
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PriceTable other && prices.equals(other.prices);
    }

    @Override
    public int hashCode() {
        return prices.hashCode();
    }

    @Override
    public String toString() {
        return "PriceTable" + prices;
    }
}
