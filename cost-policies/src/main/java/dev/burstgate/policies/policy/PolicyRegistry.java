package dev.burstgate.policies.policy;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * The named policies: the presets {@code cost-saver}, {@code balanced} and {@code quality-first} from the classpath,
 * plus every {@code *.yaml} / {@code *.yml} file of an optional directory (a file may redefine a preset's name to
 * replace it). One registry is shared by the gateway and the simulator, so a simulated policy is the deployed one.
 *
 * <p>{@link #reload()} reads everything again and swaps the whole set atomically; readers never see a half-loaded
 * set. A file that became invalid keeps its last good policy in force, listed as {@link PolicyEntry.Status#STALE}
 * with the error. Thread-safe.
 *
 * <p><b>Tuning overlays.</b> With an overlay directory, a file {@code <name>.yaml} there replaces the
 * {@code thresholds} of the policy named {@code name} at every reload, whatever its own file says, and, when it has a
 * {@code cascade} field and the policy a cascade, the cascade's {@code escalate-below} (the cascade's other fields stay
 * the file's): an edit of the policy file keeps the tuned values until the overlay is rolled back (removed). An
 * overlay that does not validate is reported and ignored. Each entry carries a {@link PolicyEntry#version() version}
 * that goes up by one whenever the policy in force under its name changes.
 */
public final class PolicyRegistry {

    /** The preset names, in order from cheapest to best quality. */
    public static final List<String> PRESETS = List.of("cost-saver", "balanced", "quality-first");

    private static final String PRESET_DIR = "/dev/burstgate/policies/policy/presets/";

    private final @Nullable Path directory;
    private final @Nullable Path overlays;
    private final InstantSource clock;
    /** Per name, the last policy in force and its version. Guarded by reloadLock. */
    private final Map<String, PolicyEntry> versions = new HashMap<>();

    private final Object reloadLock = new Object();
    private volatile Map<String, PolicyEntry> entries = Map.of();
    /** Last good policy per source, so an invalid edit keeps the previous version. Guarded by reloadLock. */
    private final Map<String, PolicyEntry> lastGood = new HashMap<>();

    private PolicyRegistry(@Nullable Path directory, @Nullable Path overlays, InstantSource clock) {
        this.directory = directory;
        this.overlays = overlays;
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** The presets only. */
    public static PolicyRegistry presets(InstantSource clock) {
        PolicyRegistry r = new PolicyRegistry(null, null, clock);
        ReloadReport report = r.reload();
        if (!report.allLoaded()) {
            throw new IllegalStateException("bundled presets do not validate: " + report.failed());
        }
        return r;
    }

    /** The presets plus the policies in {@code directory}, loaded once now; call {@link #reload()} to refresh. */
    public static PolicyRegistry withDirectory(Path directory, InstantSource clock) {
        PolicyRegistry r = new PolicyRegistry(Objects.requireNonNull(directory, "directory"), null, clock);
        r.reload();
        return r;
    }

    /**
     * The presets plus the policies in {@code directory} (when not null), with the tuned thresholds of
     * {@code overlays} on top (the directory need not exist yet), loaded once now.
     */
    public static PolicyRegistry withOverlays(@Nullable Path directory, Path overlays, InstantSource clock) {
        PolicyRegistry r = new PolicyRegistry(directory, Objects.requireNonNull(overlays, "overlays"), clock);
        r.reload();
        return r;
    }

    /** The directory of tuning overlays, or null without one. */
    public @Nullable Path overlayDirectory() {
        return overlays;
    }

    /** Reads the presets and the directory again and swaps in the result atomically. */
    public ReloadReport reload() {
        synchronized (reloadLock) {
            List<ReloadReport.FileResult> results = new ArrayList<>();
            Map<String, PolicyEntry> next = new LinkedHashMap<>();
            for (String preset : PRESETS) {
                String source = "preset:" + preset;
                load(source, readPreset(preset), results, next);
            }
            if (directory != null) {
                for (Path file : listYaml(directory, results)) {
                    String text;
                    try {
                        text = PolicyParser.text(file);
                    } catch (PolicyException e) {
                        results.add(new ReloadReport.FileResult(file.toString(), null, e.problems()));
                        keepLastGood(file.toString(), e.getMessage(), next);
                        continue;
                    } catch (IOException e) {
                        results.add(new ReloadReport.FileResult(
                                file.toString(),
                                null,
                                List.of(new Problem(file.toString(), "(file)", "", "cannot read: " + e.getMessage()))));
                        keepLastGood(file.toString(), "cannot read: " + e.getMessage(), next);
                        continue;
                    }
                    load(file.toString(), text, results, next);
                }
            }
            lastGood.keySet().retainAll(sourcesOf(next));
            Map<String, PolicyEntry> versioned = new LinkedHashMap<>();
            for (PolicyEntry e : next.values()) {
                versioned.put(e.name(), overlay(e, results));
            }
            versions.keySet().retainAll(versioned.keySet());
            entries = Map.copyOf(versioned);
            return new ReloadReport(results);
        }
    }

    /** The entry with its overlay's thresholds, if any, and its version. */
    private PolicyEntry overlay(PolicyEntry e, List<ReloadReport.FileResult> results) {
        Policy policy = e.policy();
        boolean tuned = false;
        if (overlays != null) {
            Path file = overlays.resolve(e.name() + ".yaml");
            if (Files.isRegularFile(file)) {
                try {
                    PolicyParser.Overlay o = PolicyParser.overlay(PolicyParser.text(file), file.toString());
                    policy = policy.withThresholds(o.thresholds());
                    Policy.Cascade cascade = policy.cascade();
                    Double escalateBelow = o.escalateBelow();
                    if (cascade != null && escalateBelow != null) {
                        policy = policy.withCascade(new Policy.Cascade(
                                escalateBelow, cascade.signal(), cascade.structural(), cascade.streamBuffer()));
                    }
                    tuned = true;
                } catch (PolicyException ex) {
                    results.add(new ReloadReport.FileResult(file.toString(), e.name(), ex.problems()));
                } catch (IOException ex) {
                    results.add(new ReloadReport.FileResult(
                            file.toString(),
                            e.name(),
                            List.of(new Problem(file.toString(), "(file)", "", "cannot read: " + ex.getMessage()))));
                }
            }
        }
        PolicyEntry before = versions.get(e.name());
        long version = 1;
        if (before != null) {
            boolean same = before.policy().equals(policy) && before.status() == e.status();
            version = same ? before.version() : before.version() + 1;
        }
        PolicyEntry out = new PolicyEntry(policy, e.status(), e.error(), e.loadedAt(), version, tuned);
        versions.put(e.name(), out);
        return out;
    }

    private static List<String> sourcesOf(Map<String, PolicyEntry> next) {
        return next.values().stream().map(PolicyEntry::source).toList();
    }

    private void load(
            String source, String text, List<ReloadReport.FileResult> results, Map<String, PolicyEntry> next) {
        Policy policy;
        try {
            policy = Policy.parse(text, source);
        } catch (PolicyException e) {
            results.add(new ReloadReport.FileResult(source, null, e.problems()));
            keepLastGood(source, e.getMessage(), next);
            return;
        }
        PolicyEntry existing = next.get(policy.name());
        if (existing != null && !existing.source().startsWith("preset:")) {
            Problem p = new Problem(source, "name", policy.name(), "already defined by " + existing.source());
            results.add(new ReloadReport.FileResult(source, policy.name(), List.of(p)));
            return;
        }
        PolicyEntry previous = lastGood.get(source);
        boolean unchanged =
                previous != null && previous.policy().equals(policy) && previous.status() == PolicyEntry.Status.LOADED;
        PolicyEntry entry =
                unchanged ? previous : new PolicyEntry(policy, PolicyEntry.Status.LOADED, null, clock.instant());
        lastGood.put(source, entry);
        next.put(policy.name(), entry);
        results.add(new ReloadReport.FileResult(source, policy.name(), List.of()));
    }

    private void keepLastGood(String source, @Nullable String error, Map<String, PolicyEntry> next) {
        PolicyEntry good = lastGood.get(source);
        if (good != null && !next.containsKey(good.name())) {
            next.put(good.name(), new PolicyEntry(good.policy(), PolicyEntry.Status.STALE, error, good.loadedAt()));
        }
    }

    private static List<Path> listYaml(Path dir, List<ReloadReport.FileResult> results) {
        if (!Files.isDirectory(dir)) {
            results.add(new ReloadReport.FileResult(
                    dir.toString(), null, List.of(new Problem(dir.toString(), "(directory)", "", "not a directory"))));
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> {
                        String f = p.getFileName().toString();
                        return Files.isRegularFile(p) && (f.endsWith(".yaml") || f.endsWith(".yml"));
                    })
                    .sorted(Comparator.comparing(Path::toString))
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list policy directory " + dir, e);
        }
    }

    private static String readPreset(String name) {
        try (InputStream in = PolicyRegistry.class.getResourceAsStream(PRESET_DIR + name + ".yaml")) {
            if (in == null) {
                throw new IllegalStateException("missing preset resource " + PRESET_DIR + name + ".yaml");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The policy named {@code name}, if registered. */
    public Optional<Policy> find(String name) {
        PolicyEntry e = entries.get(name);
        return e == null ? Optional.empty() : Optional.of(e.policy());
    }

    /**
     * The policy named {@code name}.
     *
     * @throws PolicyException naming the known policies when there is none by that name
     */
    public Policy get(String name) {
        return find(name).orElseThrow(() -> new PolicyException("unknown policy '" + name + "'; known: " + names()));
    }

    /** Registered names, sorted. */
    public List<String> names() {
        return entries.keySet().stream().sorted().toList();
    }

    /** Every entry with its source and status, sorted by name. */
    public List<PolicyEntry> entries() {
        return entries.values().stream()
                .sorted(Comparator.comparing(PolicyEntry::name))
                .toList();
    }
}
