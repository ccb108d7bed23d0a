package dev.burstgate.gateway.policy;

import dev.burstgate.policies.policy.PolicyRegistry;
import dev.burstgate.policies.policy.ReloadReport;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * Hot-reloads {@code burstgate.policies-dir}: a watch on the directory reloads the registry (atomically, keeping the
 * last good version of a policy whose file became invalid) shortly after files change. Every rejected file is logged,
 * counted in {@code burstgate_policy_reload_failures_total} and shown by {@code GET /admin/policies}.
 */
public final class PolicyWatcher implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(PolicyWatcher.class);
    private static final Duration SETTLE = Duration.ofMillis(200);

    private final PolicyRegistry registry;
    private final @Nullable Path directory;
    private final Counter failures;
    private final AtomicReference<ReloadReport> last = new AtomicReference<>();
    private volatile @Nullable WatchService watch;
    private volatile @Nullable Thread thread;

    public PolicyWatcher(PolicyRegistry registry, @Nullable Path directory, MeterRegistry meters) {
        this.registry = registry;
        this.directory = directory;
        this.failures = Counter.builder("burstgate.policy.reload.failures")
                .description("Policy files rejected on load or reload")
                .register(meters);
        Gauge.builder("burstgate.policies.stale", this, w -> w.staleCount())
                .description("Policies running their last good version because their file is invalid")
                .register(meters);
    }

    /** Reloads now and records the outcome. */
    public ReloadReport reload() {
        ReloadReport report = registry.reload();
        last.set(report);
        for (ReloadReport.FileResult f : report.failed()) {
            failures.increment();
            log.warn(
                    "policy file {} rejected, keeping the last good version of '{}': {}",
                    f.source(),
                    f.policyName(),
                    f.problems());
        }
        return report;
    }

    public @Nullable ReloadReport lastReport() {
        return last.get();
    }

    private double staleCount() {
        return registry.entries().stream()
                .filter(e -> e.status() == dev.burstgate.policies.policy.PolicyEntry.Status.STALE)
                .count();
    }

    @Override
    public void start() {
        reload();
        if (directory == null) {
            return;
        }
        try {
            WatchService ws = FileSystems.getDefault().newWatchService();
            directory.register(
                    ws,
                    StandardWatchEventKinds.ENTRY_CREATE,
                    StandardWatchEventKinds.ENTRY_MODIFY,
                    StandardWatchEventKinds.ENTRY_DELETE);
            watch = ws;
            thread = Thread.ofPlatform().daemon().name("burstgate-policy-watch").start(() -> loop(ws));
            log.info("watching {} for policy changes", directory);
        } catch (IOException e) {
            throw new IllegalStateException(
                    "burstgate.policies-dir: cannot watch '" + directory + "': " + e.getMessage(), e);
        }
    }

    private void loop(WatchService ws) {
        while (true) {
            try {
                WatchKey key = ws.take();
                Thread.sleep(SETTLE);
                for (WatchKey k = key; k != null; k = ws.poll()) {
                    k.pollEvents();
                    k.reset();
                }
                ReloadReport report = reload();
                log.info(
                        "policies reloaded from {}: {} file(s), {} rejected",
                        directory,
                        report.files().size(),
                        report.failed().size());
            } catch (InterruptedException | ClosedWatchServiceException e) {
                return;
            } catch (RuntimeException e) {
                log.error("policy reload failed; the policies in force stay", e);
            }
        }
    }

    @Override
    public void stop() {
        WatchService ws = watch;
        if (ws != null) {
            try {
                ws.close();
            } catch (IOException e) {
                log.debug("closing the policy watch", e);
            }
        }
        Thread t = thread;
        if (t != null) {
            t.interrupt();
        }
        watch = null;
        thread = null;
    }

    @Override
    public boolean isRunning() {
        return thread != null || (directory == null && last.get() != null);
    }
}
