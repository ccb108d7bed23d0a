package dev.burstgate.policies.cli;

import java.io.PrintWriter;
import java.util.Locale;

/** A one-line progress bar on stderr; silent unless enabled (a console is attached or {@code --progress}). */
final class Progress {

    private final PrintWriter err;
    private final boolean enabled;
    private final String label;
    private final long total;
    private int lastPercent = -1;

    Progress(PrintWriter err, boolean enabled, String label, long total) {
        this.err = err;
        this.enabled = enabled;
        this.label = label;
        this.total = Math.max(1, total);
    }

    /** True with {@code --progress}, or when stderr is an interactive terminal. */
    static boolean wanted(boolean flag) {
        if (flag) {
            return true;
        }
        java.io.Console console = System.console();
        if (console == null) {
            return false;
        }
        try {
            // Console.isTerminal() exists from JDK 22 on, where System.console() is non-null even when redirected.
            return (Boolean) java.io.Console.class.getMethod("isTerminal").invoke(console);
        } catch (ReflectiveOperationException e) {
            return true;
        }
    }

    void update(long done) {
        if (!enabled) {
            return;
        }
        int percent = (int) Math.min(100, done * 100 / total);
        if (percent == lastPercent) {
            return;
        }
        lastPercent = percent;
        int filled = percent / 5;
        err.print(String.format(Locale.ROOT, "\r%-10s [%-20s] %3d%%", label, "#".repeat(filled), percent));
        err.flush();
    }

    void done() {
        if (enabled) {
            update(total);
            err.println();
            err.flush();
        }
    }
}
