package dev.burstgate.policies.cli;

import dev.burstgate.policies.Tier;
import dev.burstgate.policies.simulation.SimulationReport;
import java.util.List;
import java.util.Locale;

/**
 * A self-contained HTML report (inline SVG, no scripts, no external resources): the side-by-side table, a tier-mix
 * chart and a cost-versus-quality chart with each policy's threshold sweep.
 */
final class HtmlReport {

    /** One point of a policy's threshold sweep. */
    record CurvePoint(double cloudAt, double costPerThousand, double qualityKept) {}

    /** A policy's report and its sweep. */
    record Series(SimulationReport report, List<CurvePoint> curve) {}

    private static final String[] TIER_COLOURS = {"#4caf50", "#2196f3", "#e91e63"};
    private static final String[] SERIES_COLOURS = {"#1b5e20", "#0d47a1", "#b71c1c", "#f57f17", "#4a148c", "#006064"};

    private HtmlReport() {}

    static String render(String title, String trafficName, List<Series> series) {
        StringBuilder sb = new StringBuilder();
        sb.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>")
                .append(esc(title))
                .append("</title>\n<style>body{font-family:system-ui,sans-serif;margin:2em;color:#222}"
                        + "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 10px;text-align:right}"
                        + "th:first-child,td:first-child{text-align:left}h2{margin-top:1.6em}.note{color:#666;font-size:90%}"
                        + "</style></head><body>\n");
        sb.append("<h1>")
                .append(esc(title))
                .append("</h1>\n<p class=\"note\">traffic: ")
                .append(esc(trafficName))
                .append("</p>\n");
        List<SimulationReport> reports = series.stream().map(Series::report).toList();
        sb.append("<h2>Summary</h2>\n<table>\n");
        List<List<String>> rows = ReportTable.rows(reports);
        for (int i = 0; i < rows.size(); i++) {
            String tag = i == 0 ? "th" : "td";
            sb.append("<tr>");
            for (String cell : rows.get(i)) {
                sb.append('<')
                        .append(tag)
                        .append('>')
                        .append(esc(cell))
                        .append("</")
                        .append(tag)
                        .append('>');
            }
            sb.append("</tr>\n");
        }
        sb.append("</table>\n");
        sb.append("<h2>Tier mix</h2>\n").append(tierMix(reports));
        sb.append(
                        "<h2>Cost vs quality</h2>\n<p class=\"note\">Each line sweeps the policy's cloud threshold from 0 to 1 "
                                + "(other rules unchanged); the large dot is the policy as configured. Quality kept = correct answers as a "
                                + "share of all-legacy, on rows with labels.</p>\n")
                .append(costQuality(series));
        sb.append("</body></html>\n");
        return sb.toString();
    }

    private static String tierMix(List<SimulationReport> reports) {
        int barH = 28;
        int width = 640;
        int left = 140;
        int h = reports.size() * (barH + 12) + 40;
        StringBuilder s = new StringBuilder();
        s.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"")
                .append(width + left + 20)
                .append("\" height=\"")
                .append(h)
                .append("\" role=\"img\" aria-label=\"tier mix per policy\">\n");
        int y = 10;
        for (SimulationReport r : reports) {
            s.append(text(5, y + barH * 0.7, r.policy(), "start"));
            double x = left;
            int total = Math.max(1, r.requests());
            for (Tier t : Tier.values()) {
                double w = width * (double) r.count(t) / total;
                if (w > 0) {
                    s.append(String.format(
                            Locale.ROOT,
                            "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\">"
                                    + "<title>%s %d</title></rect>\n",
                            x,
                            y,
                            w,
                            barH,
                            TIER_COLOURS[t.ordinal()],
                            t.label(),
                            r.count(t)));
                }
                x += w;
            }
            double wr = width * (double) r.rejectedTotal() / total;
            if (wr > 0) {
                s.append(String.format(
                        Locale.ROOT,
                        "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"#999\">"
                                + "<title>rejected %d</title></rect>\n",
                        x,
                        y,
                        wr,
                        barH,
                        r.rejectedTotal()));
            }
            y += barH + 12;
        }
        int lx = left;
        for (Tier t : Tier.values()) {
            s.append(String.format(
                    Locale.ROOT,
                    "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"12\" fill=\"%s\"/>",
                    lx,
                    y,
                    TIER_COLOURS[t.ordinal()]));
            s.append(text(lx + 16, y + 11, t.label(), "start"));
            lx += 90;
        }
        s.append(String.format(
                Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"12\" fill=\"#999\"/>", lx, y));
        s.append(text(lx + 16, y + 11, "rejected", "start"));
        s.append("</svg>\n");
        return s.toString();
    }

    private static String costQuality(List<Series> series) {
        int w = 640;
        int h = 400;
        int ml = 70;
        int mb = 50;
        int mt = 20;
        int mr = 160;
        double maxCost = 0;
        double minQ = 1;
        double maxQ = 0;
        boolean anyQuality = false;
        for (Series s : series) {
            for (CurvePoint p : s.curve()) {
                maxCost = Math.max(maxCost, p.costPerThousand());
                if (!Double.isNaN(p.qualityKept())) {
                    anyQuality = true;
                    minQ = Math.min(minQ, p.qualityKept());
                    maxQ = Math.max(maxQ, p.qualityKept());
                }
            }
        }
        if (!anyQuality) {
            return "<p class=\"note\">No correctness labels in this traffic: no quality axis.</p>\n";
        }
        maxCost = maxCost <= 0 ? 1 : maxCost * 1.05;
        double qLo = Math.max(0, Math.floor((minQ - 0.02) * 20) / 20);
        double qHi = Math.min(1.2, Math.ceil((maxQ + 0.02) * 20) / 20);
        final double fMaxCost = maxCost;
        java.util.function.DoubleUnaryOperator sx = c -> ml + (w - ml - mr) * c / fMaxCost;
        java.util.function.DoubleUnaryOperator sy = q -> mt + (h - mt - mb) * (1 - (q - qLo) / (qHi - qLo));
        StringBuilder s = new StringBuilder();
        s.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"")
                .append(w)
                .append("\" height=\"")
                .append(h)
                .append("\" role=\"img\" aria-label=\"cost versus quality\">\n");
        s.append(String.format(
                Locale.ROOT,
                "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#444\"/>",
                ml,
                h - mb,
                w - mr,
                h - mb));
        s.append(String.format(
                Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#444\"/>", ml, mt, ml, h - mb));
        for (int i = 0; i <= 4; i++) {
            double c = maxCost * i / 4;
            s.append(text(sx.applyAsDouble(c), h - mb + 16, String.format(Locale.ROOT, "$%.0f", c), "middle"));
            double q = qLo + (qHi - qLo) * i / 4;
            s.append(text(ml - 6, sy.applyAsDouble(q) + 4, String.format(Locale.ROOT, "%.0f%%", 100 * q), "end"));
        }
        s.append(text((ml + w - mr) / 2.0, h - 10, "cost per 1,000 requests (USD)", "middle"));
        s.append(String.format(
                Locale.ROOT,
                "<text x=\"14\" y=\"%d\" transform=\"rotate(-90 14 %d)\" "
                        + "text-anchor=\"middle\" font-size=\"12\">quality kept vs all-legacy</text>\n",
                (mt + h - mb) / 2,
                (mt + h - mb) / 2));
        int k = 0;
        for (Series ser : series) {
            String colour = SERIES_COLOURS[k % SERIES_COLOURS.length];
            StringBuilder pts = new StringBuilder();
            for (CurvePoint p : ser.curve()) {
                if (!Double.isNaN(p.qualityKept())) {
                    pts.append(String.format(
                            Locale.ROOT,
                            "%.1f,%.1f ",
                            sx.applyAsDouble(p.costPerThousand()),
                            sy.applyAsDouble(p.qualityKept())));
                }
            }
            s.append("<polyline fill=\"none\" stroke=\"")
                    .append(colour)
                    .append("\" stroke-width=\"1.5\" points=\"")
                    .append(pts.toString().trim())
                    .append("\"/>\n");
            SimulationReport r = ser.report();
            double cost = r.requests() == 0 ? 0 : 1000.0 * r.cost().amount().doubleValue() / r.requests();
            if (!Double.isNaN(r.qualityKept())) {
                s.append(String.format(
                        Locale.ROOT,
                        "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"6\" fill=\"%s\"><title>%s</title>" + "</circle>\n",
                        sx.applyAsDouble(cost),
                        sy.applyAsDouble(r.qualityKept()),
                        colour,
                        esc(r.policy())));
            }
            s.append(String.format(
                    Locale.ROOT,
                    "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"12\" fill=\"%s\"/>",
                    w - mr + 12,
                    mt + 18 * k,
                    colour));
            s.append(text(w - mr + 28, mt + 18 * k + 11, r.policy(), "start"));
            k++;
        }
        s.append("</svg>\n");
        return s.toString();
    }

    private static String text(double x, double y, String t, String anchor) {
        return String.format(
                Locale.ROOT,
                "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" font-size=\"12\">%s</text>\n",
                x,
                y,
                anchor,
                esc(t));
    }

    static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
