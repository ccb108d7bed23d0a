package dev.burstgate.policies.bench;

import dev.burstgate.policies.classifier.ChatMessage;
import dev.burstgate.policies.classifier.Complexity;
import dev.burstgate.policies.classifier.ComplexityClassifier;
import dev.burstgate.policies.privacy.PiiDetector;
import dev.burstgate.policies.privacy.PrivacySignal;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Latency of {@link ComplexityClassifier#classify} (and, for comparison, {@link PiiDetector#scan}) on a 4 KB prompt
 * and a short one. Sample-time mode reports p50 / p99.
 *
 * <p>Run (not part of {@code verify}):
 *
 * <pre>
 * ./mvnw -B -pl cost-policies -Pjmh test-compile exec:exec \
 *     -Djmh.args="ClassifierBenchmark -f 1 -wi 3 -w 2s -i 5 -r 2s"
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class ClassifierBenchmark {

    private static final String PARAGRAPH = "We run a small service that ingests orders from three marketplaces and "
            + "writes them to PostgreSQL. Since last week the nightly job fails with a timeout after about 40 minutes; "
            + "the table has 12 million rows and the query below does a sequential scan. Explain why the planner ignores "
            + "the index on (tenant_id, created_at), compare two fixes (a partial index vs. partitioning by month), and "
            + "estimate the cost of each step by step. Return the answer as JSON with keys \"cause\", \"fixes\", "
            + "\"plan\". Constraints: no downtime, at most 2 GB extra disk.\n";
    private static final String CODE = "```sql\nSELECT o.id, o.total FROM orders o WHERE o.tenant_id = $1 AND "
            + "o.created_at >= now() - interval '1 day' ORDER BY o.created_at;\n```\n";

    private ComplexityClassifier classifier;
    private PiiDetector pii;
    private List<ChatMessage> prompt4k;
    private List<ChatMessage> promptShort;

    @Setup
    public void setUp() {
        classifier = ComplexityClassifier.bundled();
        pii = new PiiDetector();
        StringBuilder sb = new StringBuilder(4096);
        while (sb.length() < 4096) {
            sb.append(PARAGRAPH).append(CODE);
        }
        sb.setLength(4096);
        prompt4k = List.of(ChatMessage.system("You are a careful database engineer."), ChatMessage.user(sb.toString()));
        promptShort = List.of(ChatMessage.user("What is the capital of France?"));
    }

    @Benchmark
    public Complexity classify4kPrompt() {
        return classifier.classify(prompt4k);
    }

    @Benchmark
    public Complexity classifyShortPrompt() {
        return classifier.classify(promptShort);
    }

    @Benchmark
    public PrivacySignal piiScan4kPrompt() {
        return pii.scan(prompt4k);
    }
}
