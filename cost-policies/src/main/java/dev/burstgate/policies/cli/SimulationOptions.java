package dev.burstgate.policies.cli;

import dev.burstgate.policies.Tier;
import dev.burstgate.policies.capability.Capability;
import dev.burstgate.policies.capability.TierCapabilities;
import dev.burstgate.policies.classifier.ComplexityClassifier;
import dev.burstgate.policies.cost.PriceTable;
import dev.burstgate.policies.cost.TierPrice;
import dev.burstgate.policies.cost.Usd;
import dev.burstgate.policies.privacy.PiiDetector;
import dev.burstgate.policies.routing.Router;
import dev.burstgate.policies.simulation.SimulationConfig;
import dev.burstgate.policies.simulation.Simulator;
import java.nio.file.Path;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Options shared by {@code simulate} and {@code compare}. */
final class SimulationOptions {

    @Option(
            names = "--traffic",
            description = "Traffic JSONL: prompt or messages; optional ts, "
                    + "weak_correct/strong_correct or correct{tier:bool}, completion_tokens. This or --from-ledger.")
    @Nullable
    Path traffic;

    @Option(
            names = "--from-ledger",
            paramLabel = "JDBC-URL",
            description = "Replay the gateway's own traffic from its ledger instead of a file: "
                    + "jdbc:postgresql://HOST/DB or jdbc:h2:file:PATH (the routing inputs each request was recorded "
                    + "with; service times calibrated from the recorded ones). --policy live replays each request "
                    + "under the policy that routed it. A policy's cascade escalates a local answer on the confidence "
                    + "the ledger recorded for it (none recorded: kept, counted as 'confidence unknown'), and, with "
                    + "structural, where the ledger records an escalation for the answer's shape. The quality kept is "
                    + "estimated from the recorded shadow verdicts: the share acceptable, with a Wilson 95%% interval, "
                    + "among the requests served on a cheaper tier that the gateway shadowed there.")
    @Nullable
    String fromLedger;

    @Option(
            names = "--since",
            defaultValue = "7d",
            description = "With --from-ledger: requests since 7d, 24h, 90m ago or an ISO-8601 instant "
                    + "(default: ${DEFAULT-VALUE}).")
    String since = "7d";

    @Option(names = "--ledger-user", description = "With --from-ledger: the database user (default: the URL's).")
    @Nullable
    String ledgerUser;

    @Option(
            names = "--ledger-password",
            description = "With --from-ledger: the database password (default: the URL's, or the environment "
                    + "variable POLICY_LAB_LEDGER_PASSWORD).")
    @Nullable
    String ledgerPassword;

    @Option(
            names = "--json",
            description = "Print one JSON object (one line) instead of the table: per policy the tier mix, cost, "
                    + "saving and latency; with --from-ledger also the agreement with the ledger, the cascade's "
                    + "escalations, confidence_unknown and quality_kept (from the shadow verdicts). Other lines go to "
                    + "standard error.")
    boolean json;

    @Option(names = "--policies-dir", description = "Extra policy directory (*.yaml, *.yml).")
    @Nullable
    Path policiesDir;

    @Option(names = "--slots", defaultValue = "4", description = "Local engine slots (default: ${DEFAULT-VALUE}).")
    int slots;

    @Option(
            names = "--rate",
            defaultValue = "1.0",
            description = "Arrivals per second when rows have no ts " + "(Poisson; default: ${DEFAULT-VALUE}).")
    double rate;

    @Option(
            names = "--seed",
            defaultValue = "42",
            description = "Seed of the arrival process " + "(default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(
            names = "--completion-tokens",
            defaultValue = "200",
            description = "Completion tokens for rows without " + "completion_tokens (default: ${DEFAULT-VALUE}).")
    long completionTokens;

    @Option(names = "--budget-usd", description = "A budget for the whole run, e.g. 500.00 (default: none).")
    @Nullable
    String budgetUsd;

    @Option(
            names = "--price",
            description = "Override a tier's price per query, e.g. --price cloud=0.15 " + "(repeatable).")
    java.util.@Nullable Map<String, String> prices;

    @Option(
            names = "--local-capabilities",
            split = ",",
            defaultValue = "tools,json-schema",
            description = "What the local tier serves, as burstgate.tiers.local.capabilities: tools, json-schema, "
                    + "vision, audio, files, logprobs, multiple-choices, functions, openai-extras "
                    + "(default: ${DEFAULT-VALUE}; remote tiers serve everything).")
    java.util.List<String> localCapabilities = java.util.List.of("tools", "json-schema");

    @Option(
            names = "--local-context-tokens",
            description = "The longest prompt the local tier takes, in tokens (default: no limit).")
    @Nullable
    Long localContextTokens;

    @Option(names = "--model", description = "Classifier weights JSON (default: the bundled weights).")
    @Nullable
    Path model;

    @Mixin
    ReadOptions reading;

    SimulationConfig config() {
        PriceTable table = priceTable(prices, this);
        return SimulationConfig.defaults()
                .withLocalSlots(slots)
                .withArrivals(rate, seed)
                .withDefaultCompletionTokens(completionTokens)
                .withPrices(table)
                .withBudget(budgetUsd == null ? null : Usd.of(budgetUsd));
    }

    /** The default prices with each {@code --price tier=usd} override; a bad tier is a command-line error. */
    static PriceTable priceTable(java.util.@Nullable Map<String, String> prices, Object command) {
        PriceTable table = PriceTable.defaults();
        if (prices != null) {
            for (var e : prices.entrySet()) {
                Tier tier = Tier.fromLabel(e.getKey()).orElse(null);
                if (tier == null) {
                    throw new picocli.CommandLine.ParameterException(
                            new picocli.CommandLine(command),
                            "--price: unknown tier '" + e.getKey() + "'; expected local, cloud or legacy");
                }
                table = table.with(tier, TierPrice.perQuery(Usd.of(e.getValue())));
            }
        }
        return table;
    }

    Simulator simulator(SimulationConfig config) {
        ComplexityClassifier classifier =
                model == null ? ComplexityClassifier.bundled() : ComplexityClassifier.fromFile(model);
        return new Simulator(new Router(config.prices(), capabilities()), classifier, new PiiDetector(), config);
    }

    TierCapabilities capabilities() {
        java.util.Set<Capability> features = java.util.EnumSet.noneOf(Capability.class);
        for (String key : localCapabilities) {
            if (key.isBlank() || key.strip().equals("none")) {
                continue;
            }
            features.add(Capability.fromKey(key)
                    .orElseThrow(() -> new picocli.CommandLine.ParameterException(
                            new picocli.CommandLine(this),
                            "--local-capabilities: unknown capability '" + key + "'; expected one of "
                                    + java.util.Arrays.stream(Capability.values())
                                            .map(Capability::key)
                                            .collect(java.util.stream.Collectors.joining(", ")))));
        }
        return TierCapabilities.UNRESTRICTED.with(Tier.LOCAL, new TierCapabilities.Of(features, localContextTokens));
    }
}
