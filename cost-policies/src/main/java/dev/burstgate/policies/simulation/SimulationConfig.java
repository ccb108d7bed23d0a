package dev.burstgate.policies.simulation;

import dev.burstgate.policies.cost.PriceTable;
import dev.burstgate.policies.cost.Usd;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The simulated world: local engine slots and service time, cloud and legacy latency, arrivals for rows without
 * {@code ts}, prices and an optional budget. Immutable; start from {@link #defaults()} and change fields with the
 * {@code with...} methods.
 *
 * <p>Local service time of one request = {@code localBaseMs + promptTokens × localMsPerPromptToken +
 * completionTokens × localMsPerCompletionToken}; cloud and legacy latency use their own base and per-completion-token
 * figures and never queue.
 *
 * @param localSlots parallel local slots (requests served at once)
 * @param localMaxQueue requests that may wait for a slot before the engine stops admitting
 * @param localBaseMs fixed local time per request
 * @param localMsPerPromptToken local prefill time per prompt token
 * @param localMsPerCompletionToken local generation time per completion token
 * @param cloudBaseMs cloud time to first token
 * @param cloudMsPerCompletionToken cloud generation time per completion token
 * @param legacyBaseMs legacy time to first token
 * @param legacyMsPerCompletionToken legacy generation time per completion token
 * @param defaultCompletionTokens completion length for rows without {@code completion_tokens}
 * @param arrivalsPerSecond mean arrival rate for rows without {@code ts} (Poisson arrivals)
 * @param seed seed of the arrival process
 * @param prices tier prices
 * @param budget a budget for the whole run (a monthly limit), or null for none
 */
public record SimulationConfig(
        int localSlots,
        int localMaxQueue,
        double localBaseMs,
        double localMsPerPromptToken,
        double localMsPerCompletionToken,
        double cloudBaseMs,
        double cloudMsPerCompletionToken,
        double legacyBaseMs,
        double legacyMsPerCompletionToken,
        long defaultCompletionTokens,
        double arrivalsPerSecond,
        long seed,
        PriceTable prices,
        @Nullable Usd budget) {

    public SimulationConfig {
        if (localSlots < 1) {
            throw new IllegalArgumentException("localSlots must be >= 1 but was " + localSlots);
        }
        if (localMaxQueue < 0) {
            throw new IllegalArgumentException("localMaxQueue must be >= 0 but was " + localMaxQueue);
        }
        nonNegative("localBaseMs", localBaseMs);
        nonNegative("localMsPerPromptToken", localMsPerPromptToken);
        nonNegative("localMsPerCompletionToken", localMsPerCompletionToken);
        nonNegative("cloudBaseMs", cloudBaseMs);
        nonNegative("cloudMsPerCompletionToken", cloudMsPerCompletionToken);
        nonNegative("legacyBaseMs", legacyBaseMs);
        nonNegative("legacyMsPerCompletionToken", legacyMsPerCompletionToken);
        if (defaultCompletionTokens < 0) {
            throw new IllegalArgumentException(
                    "defaultCompletionTokens must be >= 0 but was " + defaultCompletionTokens);
        }
        if (!(arrivalsPerSecond > 0)) {
            throw new IllegalArgumentException("arrivalsPerSecond must be > 0 but was " + arrivalsPerSecond);
        }
        Objects.requireNonNull(prices, "prices");
        if (budget != null && budget.isNegative()) {
            throw new IllegalArgumentException("budget must be >= 0 but was " + budget);
        }
    }

    /**
     * 4 local slots (queue of 64), local 150 ms + 0.2 ms/prompt token + 12 ms/completion token; cloud 400 ms + 8 ms
     * per token; legacy 600 ms + 15 ms per token; 200 completion tokens; 1 arrival/s; seed 42; default prices.
     */
    public static SimulationConfig defaults() {
        return new SimulationConfig(4, 64, 150, 0.2, 12, 400, 8, 600, 15, 200, 1.0, 42, PriceTable.defaults(), null);
    }

    public SimulationConfig withLocalSlots(int slots) {
        return new SimulationConfig(
                slots,
                localMaxQueue,
                localBaseMs,
                localMsPerPromptToken,
                localMsPerCompletionToken,
                cloudBaseMs,
                cloudMsPerCompletionToken,
                legacyBaseMs,
                legacyMsPerCompletionToken,
                defaultCompletionTokens,
                arrivalsPerSecond,
                seed,
                prices,
                budget);
    }

    public SimulationConfig withArrivals(double perSecond, long seed) {
        return new SimulationConfig(
                localSlots,
                localMaxQueue,
                localBaseMs,
                localMsPerPromptToken,
                localMsPerCompletionToken,
                cloudBaseMs,
                cloudMsPerCompletionToken,
                legacyBaseMs,
                legacyMsPerCompletionToken,
                defaultCompletionTokens,
                perSecond,
                seed,
                prices,
                budget);
    }

    public SimulationConfig withBudget(@Nullable Usd limit) {
        return new SimulationConfig(
                localSlots,
                localMaxQueue,
                localBaseMs,
                localMsPerPromptToken,
                localMsPerCompletionToken,
                cloudBaseMs,
                cloudMsPerCompletionToken,
                legacyBaseMs,
                legacyMsPerCompletionToken,
                defaultCompletionTokens,
                arrivalsPerSecond,
                seed,
                prices,
                limit);
    }

    public SimulationConfig withPrices(PriceTable table) {
        return new SimulationConfig(
                localSlots,
                localMaxQueue,
                localBaseMs,
                localMsPerPromptToken,
                localMsPerCompletionToken,
                cloudBaseMs,
                cloudMsPerCompletionToken,
                legacyBaseMs,
                legacyMsPerCompletionToken,
                defaultCompletionTokens,
                arrivalsPerSecond,
                seed,
                table,
                budget);
    }

    /** Local service time, cloud/legacy latency, in one place. */
    public SimulationConfig withServiceTimes(
            double localBase,
            double localPerPrompt,
            double localPerCompletion,
            double cloudBase,
            double cloudPerCompletion,
            double legacyBase,
            double legacyPerCompletion) {
        return new SimulationConfig(
                localSlots,
                localMaxQueue,
                localBase,
                localPerPrompt,
                localPerCompletion,
                cloudBase,
                cloudPerCompletion,
                legacyBase,
                legacyPerCompletion,
                defaultCompletionTokens,
                arrivalsPerSecond,
                seed,
                prices,
                budget);
    }

    public SimulationConfig withDefaultCompletionTokens(long tokens) {
        return new SimulationConfig(
                localSlots,
                localMaxQueue,
                localBaseMs,
                localMsPerPromptToken,
                localMsPerCompletionToken,
                cloudBaseMs,
                cloudMsPerCompletionToken,
                legacyBaseMs,
                legacyMsPerCompletionToken,
                tokens,
                arrivalsPerSecond,
                seed,
                prices,
                budget);
    }

    private static void nonNegative(String field, double v) {
        if (!(v >= 0)) {
            throw new IllegalArgumentException(field + " must be >= 0 but was " + v);
        }
    }
}
