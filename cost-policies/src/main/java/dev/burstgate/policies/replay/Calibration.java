package dev.burstgate.policies.replay;

import dev.burstgate.policies.Tier;
import dev.burstgate.policies.simulation.SimulationConfig;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Service times per tier fitted to the ones the ledger recorded: for each tier, the answered attempts' times against
 * the requests' tokens. The local tier's model is {@code base + prompt tokens × a + completion tokens × b}, the remote
 * tiers' {@code base + completion tokens × b}, all terms ≥ 0:
 *
 * <ul>
 *   <li>{@value #MIN_FIT} samples or more: least squares ({@code fit}); when a coefficient comes out negative, the
 *       same without that term; when none fits, the median;
 *   <li>fewer samples: the median time as a fixed base ({@code median});
 *   <li>none: the simulator's defaults ({@code default}).
 * </ul>
 *
 * @param config the simulation config with the fitted service times
 * @param fits how each tier's times were set
 */
public record Calibration(SimulationConfig config, Map<Tier, Fit> fits) {

    /** Samples needed for a least-squares fit. */
    public static final int MIN_FIT = 8;

    public Calibration {
        Objects.requireNonNull(config, "config");
        fits = Map.copyOf(fits);
    }

    /**
     * How one tier's service time was set.
     *
     * @param method {@code fit}, {@code median} or {@code default}
     * @param samples answered attempts it was fitted to
     */
    public record Fit(String method, int samples, double baseMs, double msPerPromptToken, double msPerCompletionToken) {

        @Override
        public String toString() {
            if (method.equals("default")) {
                return String.format(
                        Locale.ROOT,
                        "default %.0f ms + %.2f ms/prompt token + %.2f ms/completion token (no samples)",
                        baseMs,
                        msPerPromptToken,
                        msPerCompletionToken);
            }
            return String.format(
                    Locale.ROOT,
                    "%.0f ms + %.3f ms/prompt token + %.3f ms/completion token (%s of %d answered attempts)",
                    baseMs,
                    msPerPromptToken,
                    msPerCompletionToken,
                    method,
                    samples);
        }
    }

    /** One line per tier, for a report. */
    public String describe() {
        StringBuilder b = new StringBuilder("service times calibrated from the ledger:");
        for (Tier t : Tier.values()) {
            b.append("\n  ").append(t.label()).append(": ").append(fits.get(t));
        }
        return b.toString();
    }

    /** The service times of {@code rows}' answered attempts, in {@code base}. */
    public static Calibration of(List<RecordedRequest> rows, SimulationConfig base) {
        List<List<double[]>> samples = new ArrayList<>();
        for (Tier t : Tier.values()) {
            samples.add(new ArrayList<>());
        }
        for (RecordedRequest r : rows) {
            Tier tier = r.finalTier();
            if (r.cacheHit() || !r.answered() || tier == null) {
                continue;
            }
            long ms = r.measuredMs(tier);
            if (ms >= 0) {
                samples.get(tier.ordinal())
                        .add(new double[] {r.usage().promptTokens(), r.usage().completionTokens(), ms});
            }
        }
        Fit local = fit(
                samples.get(Tier.LOCAL.ordinal()),
                true,
                new Fit(
                        "default",
                        0,
                        base.localBaseMs(),
                        base.localMsPerPromptToken(),
                        base.localMsPerCompletionToken()));
        Fit cloud = fit(
                samples.get(Tier.CLOUD.ordinal()),
                false,
                new Fit("default", 0, base.cloudBaseMs(), 0, base.cloudMsPerCompletionToken()));
        Fit legacy = fit(
                samples.get(Tier.LEGACY.ordinal()),
                false,
                new Fit("default", 0, base.legacyBaseMs(), 0, base.legacyMsPerCompletionToken()));
        Map<Tier, Fit> fits = new EnumMap<>(Tier.class);
        fits.put(Tier.LOCAL, local);
        fits.put(Tier.CLOUD, cloud);
        fits.put(Tier.LEGACY, legacy);
        SimulationConfig config = base.withServiceTimes(
                local.baseMs(),
                local.msPerPromptToken(),
                local.msPerCompletionToken(),
                cloud.baseMs(),
                cloud.msPerCompletionToken(),
                legacy.baseMs(),
                legacy.msPerCompletionToken());
        return new Calibration(config, fits);
    }

    /** Fits {@code ms} to the tokens of {@code samples} ({@code [prompt, completion, ms]}). */
    static Fit fit(List<double[]> samples, boolean withPrompt, Fit fallback) {
        int n = samples.size();
        if (n == 0) {
            return fallback;
        }
        double[] ms = new double[n];
        for (int i = 0; i < n; i++) {
            ms[i] = samples.get(i)[2];
        }
        if (n >= MIN_FIT) {
            if (withPrompt) {
                double @Nullable [] c = leastSquares(samples, new int[] {0, 1});
                if (c != null && c[0] >= 0 && c[1] >= 0 && c[2] >= 0) {
                    return new Fit("fit", n, c[0], c[1], c[2]);
                }
            }
            double @Nullable [] c = leastSquares(samples, new int[] {1});
            if (c != null && c[0] >= 0 && c[1] >= 0) {
                return new Fit("fit", n, c[0], 0, c[1]);
            }
        }
        Arrays.sort(ms);
        double median = n % 2 == 1 ? ms[n / 2] : (ms[n / 2 - 1] + ms[n / 2]) / 2;
        return new Fit("median", n, median, 0, 0);
    }

    /**
     * Least squares of {@code ms = c0 + Σ c_k × x[columns[k]]}: {@code [c0, c1, ...]}, or null when the system is
     * singular (e.g. every sample has the same token counts).
     */
    static double @Nullable [] leastSquares(List<double[]> samples, int[] columns) {
        int p = columns.length + 1;
        double[][] a = new double[p][p + 1];
        double[] row = new double[p];
        for (double[] s : samples) {
            row[0] = 1;
            for (int k = 0; k < columns.length; k++) {
                row[k + 1] = s[columns[k]];
            }
            for (int i = 0; i < p; i++) {
                for (int j = 0; j < p; j++) {
                    a[i][j] += row[i] * row[j];
                }
                a[i][p] += row[i] * s[2];
            }
        }
        // Gaussian elimination with partial pivoting on the normal equations.
        for (int col = 0; col < p; col++) {
            int pivot = col;
            for (int r = col + 1; r < p; r++) {
                if (Math.abs(a[r][col]) > Math.abs(a[pivot][col])) {
                    pivot = r;
                }
            }
            if (Math.abs(a[pivot][col]) < 1e-9 * Math.max(1, Math.abs(a[0][0]))) {
                return null;
            }
            double[] tmp = a[col];
            a[col] = a[pivot];
            a[pivot] = tmp;
            for (int r = 0; r < p; r++) {
                if (r != col) {
                    double f = a[r][col] / a[col][col];
                    for (int k = col; k <= p; k++) {
                        a[r][k] -= f * a[col][k];
                    }
                }
            }
        }
        double[] c = new double[p];
        for (int i = 0; i < p; i++) {
            c[i] = a[i][p] / a[i][i];
            if (!Double.isFinite(c[i])) {
                return null;
            }
        }
        return c;
    }
}
