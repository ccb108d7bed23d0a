package dev.burstgate.policies.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.burstgate.policies.Tier;
import dev.burstgate.policies.capability.RequestNeeds;
import dev.burstgate.policies.capability.TierCapabilities;
import dev.burstgate.policies.classifier.Complexity;
import dev.burstgate.policies.cost.PriceTable;
import dev.burstgate.policies.cost.TierPrice;
import dev.burstgate.policies.cost.Usage;
import dev.burstgate.policies.cost.Usd;
import dev.burstgate.policies.policy.Policy;
import dev.burstgate.policies.routing.Router;
import dev.burstgate.policies.routing.RoutingInput;
import dev.burstgate.policies.routing.RoutingRecord;
import dev.burstgate.policies.simulation.SimulationConfig;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * Cascades and shadow verdicts in a ledger replay, on hand-built recorded requests whose escalations, costs and
 * verdicts are known: the recorded confidence decides a candidate's escalations with the dispatcher's comparison,
 * structural escalations are replayed as recorded, requests without a confidence are kept and counted, and the quality
 * kept is the share of acceptable verdicts on the tier the replay serves.
 */
class LedgerReplayCascadeTest {

    private static final PriceTable PRICES = PriceTable.defaults();
    private static final Router ROUTER = new Router(PRICES, TierCapabilities.UNRESTRICTED);
    private static final Usd LOCAL = PriceTable.DEFAULT_LOCAL_PER_QUERY;
    private static final Usd CLOUD = PriceTable.DEFAULT_CLOUD_PER_QUERY;

    /** Everything local first, escalated to cloud when unsure or of the wrong shape. */
    private static Policy cascade(double escalateBelow, String signal, boolean structural) {
        return Policy.parse("""
                name: casc
                thresholds:
                  cloud-at: 1.0
                allowed-tiers: [local, cloud]
                fallback:
                  local: [cloud]
                  cloud: []
                cascade:
                  escalate-below: %s
                  signal: %s
                  structural: %s
                """.formatted(escalateBelow, signal, structural), "test");
    }

    private static final Policy LIVE = cascade(0.5, "mean-prob", true);

    /** A request under {@link #LIVE}: its local answer judged with {@code confidence}, escalated as the live run did. */
    private static RecordedRequest judged(
            int i, @Nullable Double confidence, Policy.@Nullable Signal signal, boolean structural) {
        boolean escalated = structural || (confidence != null && confidence < 0.5);
        Usage local = new Usage(40, 100 + i);
        Usage cloud = new Usage(40, 30);
        RoutingInput in = RoutingInput.of(new Complexity(0.2, List.of())).withNeeds(RequestNeeds.ofPromptTokens(40));
        List<RoutingRecord.ServiceTime> attempts = new ArrayList<>();
        attempts.add(new RoutingRecord.ServiceTime(Tier.LOCAL, 400, true));
        if (escalated) {
            attempts.add(new RoutingRecord.ServiceTime(Tier.CLOUD, 300, true));
        }
        return new RecordedRequest(
                "r" + i,
                "acme",
                Instant.EPOCH.plusSeconds(10L * i),
                "casc",
                Tier.LOCAL,
                escalated ? Tier.CLOUD : Tier.LOCAL,
                escalated ? cloud : local,
                escalated ? LOCAL.plus(CLOUD) : LOCAL,
                false,
                "ok",
                new RoutingRecord(in, attempts),
                new RecordedRequest.Judged(
                        local, confidence, escalated && !structural ? signal : null, escalated, structural),
                List.of());
    }

    /**
     * Six requests: confidences 0.30 and 0.45 escalated on confidence, 0.60 and 0.80 kept, 0.90 escalated because its
     * answer missed its shape, one kept without a confidence. The ledger: 3 × (0.02 + 0.18) + 3 × 0.02 = 0.66.
     */
    private static List<RecordedRequest> sixRequests() {
        return List.of(
                judged(0, 0.30, Policy.Signal.MEAN_PROB, false),
                judged(1, 0.45, Policy.Signal.MEAN_PROB, false),
                judged(2, 0.60, null, false),
                judged(3, 0.80, null, false),
                judged(4, 0.90, null, true),
                judged(5, null, null, false));
    }

    private static LedgerReplay replay() {
        return new LedgerReplay(
                ROUTER,
                SimulationConfig.defaults(),
                name -> name.equals("casc") ? Optional.of(LIVE) : Optional.empty());
    }

    @Test
    void theLivePolicyReproducesTheLiveEscalationsAndTheLedgersCost() {
        List<RecordedRequest> rows = sixRequests();
        assertThat(rows.stream().map(RecordedRequest::cost).reduce(Usd.ZERO, Usd::plus))
                .isEqualTo(Usd.of("0.66"));

        ReplayReport live = replay().live("live", name -> LIVE, rows);

        assertThat(live.agreement()).isEqualTo(1.0);
        assertThat(live.escalated()).isEqualTo(3);
        assertThat(live.confidenceUnknown()).isEqualTo(1);
        assertThat(live.ledgerCost()).isEqualTo(Usd.of("0.66"));
        assertThat(live.simulation().cost()).isEqualTo(Usd.of("0.66"));
        assertThat(live.costDelta()).isZero();
    }

    @Test
    void aHigherThresholdEscalatesEveryAnswerRecordedBelowIt() {
        ReplayReport r = replay().run(cascade(0.65, "mean-prob", true), sixRequests());

        // 0.30, 0.45, 0.60 on confidence, 0.90 on its shape; 0.80 and the unknown kept
        assertThat(r.escalated()).isEqualTo(4);
        assertThat(r.confidenceUnknown()).isEqualTo(1);
        assertThat(r.simulation().cost()).isEqualTo(Usd.of("0.84"));
        assertThat(r.simulation().count(Tier.LOCAL)).isEqualTo(6);
    }

    @Test
    void aLowerThresholdWithoutTheStructuralCheckKeepsWhatTheLiveRunEscalated() {
        ReplayReport r = replay().run(cascade(0.4, "mean-prob", false), sixRequests());

        // only 0.30; 0.45 is kept and billed as the local answer alone, 0.90's shape no longer matters
        assertThat(r.escalated()).isEqualTo(1);
        assertThat(r.simulation().cost()).isEqualTo(Usd.of("0.30"));
    }

    @Test
    void aZeroThresholdEscalatesOnlyTheRecordedShapeAndKnowsEveryConfidenceItNeeds() {
        ReplayReport r = replay().run(cascade(0.0, "mean-prob", true), sixRequests());

        assertThat(r.escalated()).isEqualTo(1);
        assertThat(r.confidenceUnknown()).isZero();
        assertThat(r.simulation().cost()).isEqualTo(Usd.of("0.30"));
    }

    @Test
    void anotherSignalThanTheRecordedOneIsUnknownNotCompared() {
        ReplayReport r = replay().run(cascade(0.5, "min-prob", true), sixRequests());

        // the ledger holds mean-prob figures (the reasons of two, the recorded policy for the others): five kept and
        // counted, the one escalated for its shape escalated again
        assertThat(r.confidenceUnknown()).isEqualTo(5);
        assertThat(r.escalated()).isEqualTo(1);
        assertThat(r.simulation().cost()).isEqualTo(Usd.of("0.30"));
    }

    @Test
    void anEscalationIsBilledTheLocalAnswersTokensPlusTheNextTiersAsTheGatewayBillsThem() {
        // per-token prices: local 1 ¢ and cloud 10 ¢ per completion token
        PriceTable prices = PRICES.with(Tier.LOCAL, new TierPrice(Usd.ZERO, Usd.ZERO, Usd.of("10000")))
                .with(Tier.CLOUD, new TierPrice(Usd.ZERO, Usd.ZERO, Usd.of("100000")));
        LedgerReplay replay = new LedgerReplay(
                new Router(prices, TierCapabilities.UNRESTRICTED),
                SimulationConfig.defaults().withPrices(prices),
                name -> Optional.of(LIVE));
        RecordedRequest escalated = judged(0, 0.30, Policy.Signal.MEAN_PROB, false);
        RecordedRequest kept = judged(3, 0.80, null, false);

        ReplayReport r = replay.run(LIVE, List.of(escalated, kept));

        // escalated: 100 local tokens + 30 cloud tokens; kept: 103 local tokens
        assertThat(r.simulation().cost())
                .isEqualTo(Usd.of("1.00").plus(Usd.of("3.00")).plus(Usd.of("1.03")));
    }

    @Test
    void withoutTheRecordedPolicyAKeptAnswersConfidenceIsTakenForTheDefaultSignal() {
        LedgerReplay replay = new LedgerReplay(ROUTER, SimulationConfig.defaults());
        assertThat(replay.run(cascade(0.65, "mean-prob", true), sixRequests()).escalated())
                .isEqualTo(4);
        assertThat(replay.run(cascade(0.65, "min-prob", true), sixRequests()).confidenceUnknown())
                .isEqualTo(5);
    }

    @Test
    void aPolicyWithoutACascadeNeitherEscalatesNorCountsConfidences() {
        ReplayReport r = replay().run(LIVE.withCascade(null), sixRequests());
        assertThat(r.escalated()).isZero();
        assertThat(r.confidenceUnknown()).isZero();
        assertThat(r.simulation().cost()).isEqualTo(LOCAL.times(6));
    }

    // --- shadow verdicts ---

    /** Local under 0.5, cloud under 0.8, legacy above. */
    private static final Policy TIERED = Policy.parse("""
            name: tiered
            thresholds:
              cloud-at: 0.5
              legacy-at: 0.8
            allowed-tiers: [local, cloud, legacy]
            """, "test");

    private static final Policy ALL_LOCAL = Policy.parse("""
            name: all-local
            thresholds:
              cloud-at: 1.0
            allowed-tiers: [local, cloud, legacy]
            """, "test");

    private static final Policy ALL_LEGACY = Policy.parse("""
            name: all-legacy
            thresholds:
              cloud-at: 0.0
              legacy-at: 0.0
            allowed-tiers: [local, cloud, legacy]
            """, "test");

    private static RecordedRequest shadowed(int i, double score, Tier served, RecordedRequest.Shadow... verdicts) {
        RoutingInput in = RoutingInput.of(new Complexity(score, List.of())).withNeeds(RequestNeeds.ofPromptTokens(40));
        return new RecordedRequest(
                "s" + i,
                "acme",
                Instant.EPOCH.plusSeconds(10L * i),
                "tiered",
                served,
                served,
                new Usage(40, 60),
                PRICES.cost(served, new Usage(40, 60)),
                false,
                "ok",
                new RoutingRecord(in, List.of(new RoutingRecord.ServiceTime(served, 300, true))),
                null,
                List.of(verdicts));
    }

    /**
     * 10 local answers compared with cloud (8 acceptable), 5 cloud answers compared with legacy (4 acceptable), 5 local
     * answers nobody compared, 3 legacy answers.
     */
    private static List<RecordedRequest> shadowedTraffic() {
        List<RecordedRequest> rows = new ArrayList<>();
        int i = 0;
        for (int k = 0; k < 10; k++) {
            rows.add(shadowed(i++, 0.2, Tier.LOCAL, new RecordedRequest.Shadow(Tier.LOCAL, Tier.CLOUD, k < 8)));
        }
        for (int k = 0; k < 5; k++) {
            rows.add(shadowed(i++, 0.6, Tier.CLOUD, new RecordedRequest.Shadow(Tier.CLOUD, Tier.LEGACY, k < 4)));
        }
        for (int k = 0; k < 5; k++) {
            rows.add(shadowed(i++, 0.3, Tier.LOCAL));
        }
        for (int k = 0; k < 3; k++) {
            rows.add(shadowed(i++, 0.9, Tier.LEGACY));
        }
        return rows;
    }

    @Test
    void theQualityKeptIsTheShareOfAcceptableVerdictsOnTheServedTierWithItsWilsonInterval() {
        ReplayReport live = replay().run(TIERED, shadowedTraffic());

        ShadowQuality q = live.quality();
        assertThat(q.cheaper()).isEqualTo(20);
        assertThat(q.verdicts()).isEqualTo(15);
        assertThat(q.acceptable()).isEqualTo(12);
        assertThat(q.share()).isEqualTo(0.8);
        assertThat(q.lower()).isCloseTo(0.548146, within(1e-6));
        assertThat(q.upper()).isCloseTo(0.929525, within(1e-6));
        assertThat(q.coverage()).isEqualTo(0.75);
    }

    @Test
    void aCandidateServingOnAnotherTierOnlyCountsTheVerdictsOnThatTiersAnswers() {
        ReplayReport local = replay().run(ALL_LOCAL, shadowedTraffic());
        // every request local; only the local answers' verdicts say anything about them
        assertThat(local.quality()).isEqualTo(new ShadowQuality(23, 10, 8));
        assertThat(local.quality().lower()).isCloseTo(0.490162, within(1e-6));

        ReplayReport legacy = replay().run(ALL_LEGACY, shadowedTraffic());
        assertThat(legacy.quality()).isEqualTo(ShadowQuality.NONE);
        assertThat(legacy.quality().share()).isNaN();
    }

    @Test
    void anEscalatedRequestIsJudgedOnTheTierThatServedIt() {
        // escalated live; its cloud answer compared with legacy and found wanting
        RecordedRequest r = judged(0, 0.30, Policy.Signal.MEAN_PROB, false);
        RecordedRequest shadowed = new RecordedRequest(
                r.id(),
                r.tenant(),
                r.time(),
                r.policy(),
                r.decidedTier(),
                r.finalTier(),
                r.usage(),
                r.cost(),
                r.cacheHit(),
                r.outcome(),
                r.routing(),
                r.judged(),
                List.of(new RecordedRequest.Shadow(Tier.CLOUD, Tier.LEGACY, false)));

        assertThat(replay().run(LIVE, List.of(shadowed)).quality()).isEqualTo(new ShadowQuality(1, 1, 0));
        // kept local by a lower threshold: no verdict on the local answer
        assertThat(replay().run(cascade(0.2, "mean-prob", true), List.of(shadowed))
                        .quality())
                .isEqualTo(new ShadowQuality(1, 0, 0));
    }

    @Test
    void theVerdictOnATierIsTheOneAgainstTheStrongestTierItWasComparedWith() {
        RecordedRequest r = shadowed(
                0,
                0.2,
                Tier.LOCAL,
                new RecordedRequest.Shadow(Tier.LOCAL, Tier.CLOUD, true),
                new RecordedRequest.Shadow(Tier.LOCAL, Tier.LEGACY, false),
                new RecordedRequest.Shadow(Tier.CLOUD, Tier.LEGACY, true));
        assertThat(r.verdictOn(Tier.LOCAL)).isEqualTo(new RecordedRequest.Shadow(Tier.LOCAL, Tier.LEGACY, false));
        assertThat(r.verdictOn(Tier.CLOUD)).isEqualTo(new RecordedRequest.Shadow(Tier.CLOUD, Tier.LEGACY, true));
        assertThat(r.verdictOn(Tier.LEGACY)).isNull();
    }
}
