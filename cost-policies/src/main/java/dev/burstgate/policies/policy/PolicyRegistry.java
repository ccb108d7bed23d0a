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
 */
public final class PolicyRegistry {

    /** The preset names, in order from cheapest to best quality. */
    public static final List<String> PRESETS = List.of("cost-saver", "balanced", "quality-first");

    private static final String PRESET_DIR = "/dev/burstgate/policies/policy/presets/";

    private final @Nullable Path directory;
    private final InstantSource clock;
    private final Object reloadLock = new Object();
    private volatile Map<String, PolicyEntry> entries = Map.of();
    /** Last good policy per source, so an invalid edit keeps the previous version. Guarded by reloadLock. */
    private final Map<String, PolicyEntry> lastGood = new HashMap<>();

    private PolicyRegistry(@Nullable Path directory, InstantSource clock) {
        this.directory = directory;
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** The presets only. */
    public static PolicyRegistry presets(InstantSource clock) {
        PolicyRegistry r = new PolicyRegistry(null, clock);
        ReloadReport report = r.reload();
        if (!report.allLoaded()) {
            throw new IllegalStateException("bundled presets do not validate: " + report.failed());
        }
        return r;
    }

    /** The presets plus the policies in {@code directory}, loaded once now; call {@link #reload()} to refresh. */
    public static PolicyRegistry withDirectory(Path directory, InstantSource clock) {
        PolicyRegistry r = new PolicyRegistry(Objects.requireNonNull(directory, "directory"), clock);
        r.reload();
        return r;
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
            entries = Map.copyOf(next);
            return new ReloadReport(results);
        }
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
