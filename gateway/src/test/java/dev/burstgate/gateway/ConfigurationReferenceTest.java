package dev.burstgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.burstgate.gateway.testsupport.RepositoryFiles;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.DefaultValue;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The configuration reference ({@code docs/configuration.md}) and the configuration itself name the same
 * {@code burstgate.*} keys, with the same types and defaults. The configuration is the metadata the build generates
 * from the {@code @ConfigurationProperties} records and {@code additional-spring-configuration-metadata.json}
 * ({@code META-INF/spring-configuration-metadata.json} on the class path). A list or map of records is one metadata
 * entry; its records' keys are read from the record components (and their {@link DefaultValue}s) and written as the
 * reference writes them: {@code [*]} for a list index ({@code burstgate.tenants[*].name}), {@code <name>} for a map
 * key ({@code burstgate.models.<alias>}; any name in angle brackets).
 *
 * <p>The reference's tables hold one key per row: {@code | `key` | type | default | meaning |}. A key with a default
 * in the metadata shows exactly that default as code; the type is the word {@link #TYPES} gives for the Java type.
 * Beyond the tables, every {@code burstgate.*} key or {@code BURSTGATE_*} variable named in the Markdown files, the
 * compose file, {@code deploy/}, {@code bench/} and {@code .ci/} must exist, so a retired key cannot linger anywhere.
 *
 * <p>Plain JUnit, no Spring context; run from the gateway module:
 * {@code ./mvnw -o -q -pl gateway -am test -Dtest=ConfigurationReferenceTest -Dsurefire.failIfNoSpecifiedTests=false}.
 */
class ConfigurationReferenceTest {

    private static final Path ROOT = RepositoryFiles.ROOT;
    private static final Path REFERENCE = ROOT.resolve("docs/configuration.md");
    private static final String PREFIX = "burstgate.";
    private static final String METADATA = "META-INF/spring-configuration-metadata.json";

    /** The reference's word for each Java type of a key (lists: "list of" and the plural). */
    private static final Map<String, String> TYPES = Map.ofEntries(
            Map.entry("java.lang.Boolean", "boolean"),
            Map.entry("boolean", "boolean"),
            Map.entry("java.lang.Integer", "integer"),
            Map.entry("int", "integer"),
            Map.entry("java.lang.Long", "integer"),
            Map.entry("long", "integer"),
            Map.entry("java.math.BigDecimal", "decimal"),
            Map.entry("dev.burstgate.policies.cost.Usd", "USD"),
            Map.entry("java.lang.String", "string"),
            Map.entry("java.time.Duration", "duration"),
            Map.entry("org.springframework.util.unit.DataSize", "size"),
            Map.entry("java.nio.file.Path", "path"),
            Map.entry("java.net.URI", "URL"));

    /** {@code burstgate.*} names that are no configuration keys: system properties of tests and tools, file names. */
    private static final Set<String> NOT_KEYS = Set.of("engine", "test", "skip", "jar", "json");
    /** {@code BURSTGATE_*} variables that are no configuration keys: those of the tests, CI and benchmark clients. */
    private static final Pattern NOT_KEY_VARIABLES = Pattern.compile("BURSTGATE_(TEST|CI)_\\w*|BURSTGATE_(ADMIN_)?KEY");

    private static final Pattern ROW_KEY = Pattern.compile("`(" + Pattern.quote(PREFIX) + "[^`]*)`");
    private static final Pattern CELL_SEPARATOR = Pattern.compile("(?<!\\\\)\\|");
    private static final Pattern MAP_KEY = Pattern.compile("<[^>]+>");
    private static final Pattern NAMED_KEY = Pattern.compile("(?<![\\w.$-])burstgate\\.[a-z0-9][a-z0-9.-]*");
    private static final Pattern NAMED_VARIABLE = Pattern.compile("(?<![\\w$])BURSTGATE_[A-Z0-9_]+");

    /** One key: its reference type word and its default as the reference shows it (null: none). */
    record Key(String type, @Nullable String defaultValue) {}

    @Test
    void theReferenceTablesNameEveryConfigurationKeyAndNoOther() {
        Map<String, Key> configured = configuredKeys();
        assertThat(configured)
                .as("burstgate.* keys in %s", METADATA)
                .containsKeys("burstgate.demo", "burstgate.policy");
        List<String> problems = new ArrayList<>();
        Map<String, Key> documented = documentedKeys(problems);

        Set<String> undocumented = new TreeSet<>(configured.keySet());
        undocumented.removeAll(documented.keySet());
        Set<String> unknown = new TreeSet<>(documented.keySet());
        unknown.removeAll(configured.keySet());
        undocumented.forEach(
                k -> problems.add(k + ": configured (" + configured.get(k).type() + ", "
                        + (configured.get(k).defaultValue() == null
                                ? "no default"
                                : "default `" + configured.get(k).defaultValue() + "`")
                        + ") but not in " + ROOT.relativize(REFERENCE)));
        unknown.forEach(k -> problems.add(k + ": in " + ROOT.relativize(REFERENCE) + " but no such key is configured"));

        for (Map.Entry<String, Key> e : configured.entrySet()) {
            Key doc = documented.get(e.getKey());
            if (doc == null) {
                continue;
            }
            Key conf = e.getValue();
            if (!conf.type().equals(doc.type())) {
                problems.add(
                        e.getKey() + ": type '" + doc.type() + "' in the reference, '" + conf.type() + "' configured");
            }
            String wanted = conf.defaultValue() == null ? null : "`" + conf.defaultValue() + "`";
            if (wanted != null && !wanted.equals(doc.defaultValue())) {
                problems.add(e.getKey() + ": default '" + doc.defaultValue() + "' in the reference, " + wanted
                        + " configured");
            }
        }
        assertThat(problems)
                .withFailMessage(
                        "%d difference(s) between %s and the configuration metadata:%n  %s",
                        problems.size(),
                        ROOT.relativize(REFERENCE),
                        String.join(System.lineSeparator() + "  ", problems))
                .isEmpty();
    }

    @Test
    void everyKeyAndVariableNamedInTheDocsComposeDeployBenchAndCiExists() {
        List<List<String>> keys = configuredKeys().keySet().stream()
                .map(ConfigurationReferenceTest::segments)
                .toList();
        List<Pattern> variables =
                keys.stream().map(ConfigurationReferenceTest::variable).toList();
        List<Path> files = files(p -> {
            Path rel = ROOT.relativize(p);
            return p.getFileName().toString().endsWith(".md")
                    || rel.toString().equals("docker-compose.yml")
                    || rel.startsWith("deploy")
                    || rel.startsWith("bench")
                    || rel.startsWith(".ci");
        });
        assertThat(files).as("files under %s", ROOT).contains(REFERENCE, ROOT.resolve("docker-compose.yml"));

        List<String> problems = new ArrayList<>();
        for (Path file : files) {
            List<String> lines = lines(file);
            for (int i = 0; i < lines.size(); i++) {
                String where = ROOT.relativize(file) + ":" + (i + 1) + ": ";
                Matcher k = NAMED_KEY.matcher(lines.get(i));
                while (k.find()) {
                    String name = k.group().replaceAll("[.-]+$", "");
                    List<String> named = segments(name);
                    if (!NOT_KEYS.contains(named.get(1)) && keys.stream().noneMatch(key -> startsWith(key, named))) {
                        problems.add(where + name);
                    }
                }
                Matcher v = NAMED_VARIABLE.matcher(lines.get(i));
                while (v.find()) {
                    String name = v.group();
                    if (!NOT_KEY_VARIABLES.matcher(name).matches()
                            && variables.stream().noneMatch(p -> p.matcher(name).matches())) {
                        problems.add(where + name);
                    }
                }
            }
        }
        assertThat(problems)
                .withFailMessage(
                        "%d name(s) of no configuration key:%n  %s",
                        problems.size(), String.join(System.lineSeparator() + "  ", problems))
                .isEmpty();
    }

    /** The configuration's {@code burstgate.*} keys, lists and maps of records expanded, in the reference's notation. */
    static Map<String, Key> configuredKeys() {
        JsonMapper json = JsonMapper.builder().build();
        Map<String, Key> keys = new TreeMap<>();
        for (URL url : metadataFiles()) {
            JsonNode metadata;
            try (InputStream in = url.openStream()) {
                metadata = json.readTree(in);
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot read " + url, e);
            }
            for (JsonNode property : metadata.path("properties")) {
                String name = property.path("name").asString();
                if (name.startsWith(PREFIX)) {
                    JsonNode dflt = property.get("defaultValue");
                    add(
                            keys,
                            name,
                            type(property.path("type").asString()),
                            dflt == null || dflt.isNull() ? null : dflt.asString());
                }
            }
        }
        return keys;
    }

    private static List<URL> metadataFiles() {
        try {
            return Collections.list(
                    ConfigurationReferenceTest.class.getClassLoader().getResources(METADATA));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Adds one key, or, for a list or map of records (or a map of values), the keys of its entries. */
    private static void add(Map<String, Key> keys, String name, Type type, @Nullable String defaultValue) {
        Class<?> raw = raw(type);
        if (List.class.isAssignableFrom(raw) && raw(argument(type, 0)).isRecord()) {
            addRecord(keys, name + "[*]", raw(argument(type, 0)));
        } else if (Map.class.isAssignableFrom(raw)) {
            Type value = argument(type, 1);
            if (raw(value).isRecord()) {
                addRecord(keys, name + ".<*>", raw(value));
            } else {
                add(keys, name + ".<*>", value, null);
            }
        } else if (raw.isRecord() && raw.getName().startsWith("dev.burstgate.gateway.")) {
            addRecord(keys, name, raw);
        } else {
            keys.put(name, new Key(word(type), defaultValue));
        }
    }

    private static void addRecord(Map<String, Key> keys, String prefix, Class<?> record) {
        RecordComponent[] components = record.getRecordComponents();
        Constructor<?> canonical;
        try {
            canonical = record.getDeclaredConstructor(
                    Arrays.stream(components).map(RecordComponent::getType).toArray(Class<?>[]::new));
        } catch (NoSuchMethodException e) {
            throw new IllegalStateException(record + " has no canonical constructor", e);
        }
        for (int i = 0; i < components.length; i++) {
            DefaultValue dflt = canonical.getParameters()[i].getAnnotation(DefaultValue.class);
            String value = dflt != null && dflt.value().length == 1 ? dflt.value()[0] : null;
            add(keys, prefix + "." + kebab(components[i].getName()), components[i].getGenericType(), value);
        }
    }

    /** The reference's word for a type: {@link #TYPES}, or "list of" and its plural for a list. */
    private static String word(Type type) {
        if (List.class.isAssignableFrom(raw(type))) {
            return "list of " + word(argument(type, 0)) + "s";
        }
        String word = TYPES.get(type.getTypeName());
        assertThat(word)
                .as("the reference's word for %s (add it to ConfigurationReferenceTest.TYPES)", type.getTypeName())
                .isNotNull();
        return word;
    }

    /** The {@code burstgate.*} rows of the reference's tables: one key per row, with its type and default cells. */
    private static Map<String, Key> documentedKeys(List<String> problems) {
        Map<String, Key> keys = new LinkedHashMap<>();
        List<String> lines = lines(REFERENCE);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (!line.startsWith("|") || !line.contains("`" + PREFIX)) {
                continue;
            }
            String where = ROOT.relativize(REFERENCE) + ":" + (i + 1) + ": ";
            String[] cells = CELL_SEPARATOR.split(line.substring(1), -1);
            String keyCell = cells[0].strip();
            Matcher m = ROW_KEY.matcher(keyCell);
            if (!m.matches()) {
                if (ROW_KEY.matcher(keyCell).find()) {
                    problems.add(where + "one key per row, as the only thing in the first cell: " + keyCell);
                }
                continue;
            }
            if (cells.length < 5) {
                problems.add(where + "a key's row has the cells key, type, default and meaning: " + line);
                continue;
            }
            String key = MAP_KEY.matcher(m.group(1)).replaceAll("<*>");
            String type = cells[1].strip();
            String dflt = cells[2].strip();
            if (type.isEmpty()) {
                problems.add(where + key + ": no type");
            }
            if (keys.put(key, new Key(type, dflt)) != null) {
                problems.add(where + key + ": a second row");
            }
        }
        return keys;
    }

    private static Type type(String name) {
        int lt = name.indexOf('<');
        if (lt < 0) {
            return load(name);
        }
        Class<?> raw = load(name.substring(0, lt));
        List<Type> arguments = new ArrayList<>();
        for (String argument : name.substring(lt + 1, name.length() - 1).split(",")) {
            arguments.add(type(argument.strip()));
        }
        return new ParameterizedType() {
            @Override
            public Type[] getActualTypeArguments() {
                return arguments.toArray(Type[]::new);
            }

            @Override
            public Type getRawType() {
                return raw;
            }

            @Override
            public @Nullable Type getOwnerType() {
                return null;
            }

            @Override
            public String getTypeName() {
                return name;
            }
        };
    }

    private static Class<?> load(String name) {
        try {
            return Class.forName(name);
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException("type of a configuration key not found: " + name, e);
        }
    }

    private static Class<?> raw(Type type) {
        return type instanceof ParameterizedType p ? (Class<?>) p.getRawType() : (Class<?>) type;
    }

    private static Type argument(Type type, int index) {
        return ((ParameterizedType) type).getActualTypeArguments()[index];
    }

    private static String kebab(String camel) {
        return camel.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT);
    }

    /** A key's segments, list indexes dropped: {@code burstgate.tenants[*].name} is burstgate, tenants, name. */
    private static List<String> segments(String key) {
        return List.of(key.replace("[*]", "").split("\\."));
    }

    /** Whether {@code named} is the key or a part of it from its start, any name standing for a map key. */
    private static boolean startsWith(List<String> key, List<String> named) {
        if (named.size() > key.size()) {
            return false;
        }
        for (int i = 0; i < named.size(); i++) {
            if (!key.get(i).equals("<*>") && !key.get(i).equals(named.get(i))) {
                return false;
            }
        }
        return true;
    }

    /**
     * The environment variables of a key, by Spring's relaxed binding: upper case, {@code _} between the segments and
     * around a list index, a {@code -} dropped or written {@code _} ({@code BURSTGATE_TENANTS_0_KEY_SHA256}).
     */
    private static Pattern variable(List<String> segments) {
        List<String> parts = new ArrayList<>();
        for (String segment : segments) {
            parts.add(
                    segment.equals("<*>")
                            ? "[A-Z0-9_]+"
                            : segment.toUpperCase(Locale.ROOT).replace("-", "_?"));
        }
        return Pattern.compile(String.join("_(?:[0-9]+_)?", parts));
    }

    private static List<Path> files(java.util.function.Predicate<Path> wanted) {
        return RepositoryFiles.matching(wanted);
    }

    private static List<String> lines(Path file) {
        try {
            return Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + file, e);
        }
    }
}
