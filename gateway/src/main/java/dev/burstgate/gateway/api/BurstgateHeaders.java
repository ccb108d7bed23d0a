package dev.burstgate.gateway.api;

/** The HTTP headers Burstgate reads and writes, beside the OpenAI API's own. */
public final class BurstgateHeaders {

    /** Response: the tier that answered (only when one did). */
    public static final String TIER = "X-Burstgate-Tier";
    /** Response: why the request went where it went, short and human. */
    public static final String REASON = "X-Burstgate-Reason";
    /** Response: the classifier's complexity score, 0..1 with three decimals. */
    public static final String COMPLEXITY = "X-Burstgate-Complexity";
    /** Response: the request's id, as in the ledger. */
    public static final String REQUEST_ID = "X-Burstgate-Request-Id";
    /** Response (non-streamed answers): what the request cost, USD. */
    public static final String COST = "X-Burstgate-Cost-Usd";
    /** Response: {@code hit} when the answer came from the response cache. */
    public static final String CACHE = "X-Burstgate-Cache";
    /** Request: another policy for this request, when the tenant may use it. */
    public static final String POLICY = "X-Burstgate-Policy";
    /** Request: a latency ceiling in milliseconds. */
    public static final String MAX_LATENCY_MS = "X-Burstgate-Max-Latency-Ms";

    private BurstgateHeaders() {}

    /** Header values are ASCII: arrows and ellipses are spelled out, anything else non-ASCII becomes '?'. */
    public static String value(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\u2192') {
                b.append("->");
            } else if (c == '\u2026') {
                b.append("...");
            } else if (c == '\u2265') {
                b.append(">=");
            } else if (c == '\u2264') {
                b.append("<=");
            } else if (c >= 0x20 && c < 0x7f) {
                b.append(c);
            } else {
                b.append('?');
            }
        }
        return b.toString();
    }
}
