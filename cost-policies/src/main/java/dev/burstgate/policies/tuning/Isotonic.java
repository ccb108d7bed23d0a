package dev.burstgate.policies.tuning;

/**
 * Weighted isotonic (non-decreasing) least-squares regression by the pool-adjacent-violators algorithm. No library on
 * Maven Central offers it without pulling in a machine-learning framework, and it is a dozen lines.
 */
final class Isotonic {

    private Isotonic() {}

    /**
     * The non-decreasing sequence closest to {@code values} in weighted squared error.
     *
     * @param values observations in order
     * @param weights their weights, each > 0
     * @return a new array of the fitted values
     */
    static double[] nonDecreasing(double[] values, double[] weights) {
        int n = values.length;
        double[] level = new double[n];
        double[] weight = new double[n];
        int[] size = new int[n];
        int blocks = 0;
        for (int i = 0; i < n; i++) {
            level[blocks] = values[i];
            weight[blocks] = weights[i];
            size[blocks] = 1;
            blocks++;
            while (blocks > 1 && level[blocks - 2] > level[blocks - 1]) {
                double w = weight[blocks - 2] + weight[blocks - 1];
                level[blocks - 2] =
                        (level[blocks - 2] * weight[blocks - 2] + level[blocks - 1] * weight[blocks - 1]) / w;
                weight[blocks - 2] = w;
                size[blocks - 2] += size[blocks - 1];
                blocks--;
            }
        }
        double[] fitted = new double[n];
        int at = 0;
        for (int b = 0; b < blocks; b++) {
            for (int k = 0; k < size[b]; k++) {
                fitted[at++] = level[b];
            }
        }
        return fitted;
    }
}
