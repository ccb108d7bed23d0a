package dev.burstgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.burstgate.gateway.testsupport.RepositoryFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * No Markdown file of the repository links to a file that does not exist or to a heading that is not there. Every
 * {@code *.md} file (outside {@code target/}, {@code .git/} and {@code node_modules/}) is read; its relative links and
 * image references — {@code [text](path)}, {@code [text](path#anchor)}, {@code ![alt](path)}, {@code [ref]: path} —
 * must name an existing file or directory, and an {@code #anchor} on a Markdown file (or a bare {@code #anchor}, on
 * the same file) must match one of its headings by GitHub's rule: lower case, spaces to {@code -}, punctuation other
 * than {@code -} and {@code _} dropped, {@code -1}, {@code -2}... for repeated headings. {@code http:}, {@code https:}
 * and {@code mailto:} links are not followed; code blocks and code spans are not links. The comments of
 * {@code docker-compose.yml}, {@code .ci/}, {@code deploy/} and the Dockerfiles name documentation paths too
 * ({@code docs/deployment.md#the-compose-stack}); those must resolve the same way.
 *
 * <p>Plain JUnit, no Spring context. The repository's root is {@code ..} from the gateway module, where Maven runs
 * its tests: {@code ./mvnw -o -q -pl gateway -am test -Dtest=DocsLinksTest -Dsurefire.failIfNoSpecifiedTests=false}.
 */
class DocsLinksTest {

    private static final Path ROOT = RepositoryFiles.ROOT;

    /** {@code [text](target)} and {@code ![alt](target)}, with an optional title; the text may hold one level of [..]. */
    private static final Pattern INLINE_LINK = Pattern.compile(
            "!?\\[(?:[^\\[\\]]|\\[[^\\[\\]]*\\])*\\]\\(\\s*(<[^>]*>|[^)\\s]+)(?:\\s+(?:\"[^\"]*\"|'[^']*'))?\\s*\\)");
    /** A reference definition: {@code [label]: target}. */
    private static final Pattern REFERENCE_DEFINITION =
            Pattern.compile("^ {0,3}\\[[^\\]]+\\]:[ \\t]*(<[^>]*>|\\S+)", Pattern.MULTILINE);

    private static final Pattern ATX_HEADING =
            Pattern.compile("^ {0,3}(#{1,6})(?:[ \\t]+(.*?))?(?:[ \\t]+#+)?[ \\t]*$");
    private static final Pattern SETEXT_UNDERLINE = Pattern.compile("^ {0,3}(=+|-+)[ \\t]*$");
    private static final Pattern FENCE = Pattern.compile("^ {0,3}(`{3,}|~{3,})");
    private static final Pattern CODE_SPAN = Pattern.compile("(`+)(?:(?!\\1).)+?\\1");
    private static final Pattern HTML_ANCHOR =
            Pattern.compile("<a\\s[^>]*(?:name|id)\\s*=\\s*\"([^\"]+)\"", Pattern.CASE_INSENSITIVE);
    /** A documentation path in a comment of a configuration file or a script: {@code docs/x.md} or {@code docs/x.md#y}. */
    private static final Pattern DOCS_PATH =
            Pattern.compile("(?<![\\w./-])([\\w./-]*(?:docs/[\\w.-]+|README)\\.md)(#[\\w-]+)?");

    private static final Pattern EXTERNAL = Pattern.compile("^(?i)(https?:|mailto:)");

    private final Map<Path, List<String>> anchorsByFile = new HashMap<>();

    @Test
    void everyRelativeLinkInTheMarkdownFilesNamesAnExistingFileAndHeading() {
        List<Path> markdown = files(p -> p.getFileName().toString().endsWith(".md"));
        assertThat(markdown).as("Markdown files under %s", ROOT).contains(ROOT.resolve("README.md"));

        List<String> broken = new ArrayList<>();
        int links = 0;
        for (Path file : markdown) {
            for (Link link : links(file)) {
                links++;
                String problem = problem(file.getParent(), file, link.target());
                if (problem != null) {
                    broken.add(ROOT.relativize(file) + ":" + link.line() + ": (" + link.target() + ") " + problem);
                }
            }
        }
        assertThat(links).as("relative links found").isPositive();
        assertThat(broken)
                .withFailMessage(
                        "%d broken link(s) in Markdown files:%n  %s",
                        broken.size(), String.join(System.lineSeparator() + "  ", broken))
                .isEmpty();
    }

    @Test
    void documentationPathsNamedInComposeCiDeployAndDockerfileCommentsResolve() {
        List<Path> sources = files(p -> {
            Path rel = ROOT.relativize(p);
            String name = p.getFileName().toString();
            return rel.toString().equals("docker-compose.yml")
                    || rel.startsWith(".ci")
                    || rel.startsWith("deploy")
                    || name.equals("Dockerfile");
        });
        assertThat(sources).as("compose file, CI scripts and Dockerfiles").contains(ROOT.resolve("docker-compose.yml"));

        List<String> broken = new ArrayList<>();
        for (Path file : sources) {
            List<String> lines = lines(file);
            for (int i = 0; i < lines.size(); i++) {
                Matcher m = DOCS_PATH.matcher(lines.get(i));
                while (m.find()) {
                    String target = m.group(1) + (m.group(2) != null ? m.group(2) : "");
                    String problem = problem(ROOT, file, target);
                    if (problem != null) {
                        broken.add(ROOT.relativize(file) + ":" + (i + 1) + ": " + target + " " + problem);
                    }
                }
            }
        }
        assertThat(broken)
                .withFailMessage(
                        "%d documentation path(s) that do not resolve:%n  %s",
                        broken.size(), String.join(System.lineSeparator() + "  ", broken))
                .isEmpty();
    }

    /** What is wrong with {@code target} as written in {@code file} (relative to {@code base}), or null when nothing. */
    private String problem(Path base, Path file, String target) {
        if (target.startsWith("<") && target.endsWith(">")) {
            target = target.substring(1, target.length() - 1);
        }
        if (EXTERNAL.matcher(target).find()) {
            return null;
        }
        int hash = target.indexOf('#');
        String path = hash < 0 ? target : target.substring(0, hash);
        String anchor = hash < 0 ? null : target.substring(hash + 1);
        int query = path.indexOf('?');
        if (query >= 0) {
            path = path.substring(0, query);
        }
        Path resolved;
        if (path.isEmpty()) {
            resolved = file;
        } else {
            String decoded = URLDecoder.decode(path.replace("+", "%2B"), StandardCharsets.UTF_8);
            resolved =
                    (decoded.startsWith("/") ? ROOT.resolve(decoded.substring(1)) : base.resolve(decoded)).normalize();
            if (!resolved.startsWith(ROOT)) {
                return "points outside the repository";
            }
            if (!Files.exists(resolved)) {
                return "names a file that does not exist: " + ROOT.relativize(resolved);
            }
        }
        if (anchor == null) {
            return null;
        }
        if (Files.isDirectory(resolved)) {
            return "puts an anchor on a directory";
        }
        if (!resolved.getFileName().toString().endsWith(".md")) {
            return null; // line anchors of source files (#L10) are GitHub's, not headings
        }
        String wanted = URLDecoder.decode(anchor.replace("+", "%2B"), StandardCharsets.UTF_8);
        List<String> anchors = anchors(resolved);
        return anchors.contains(wanted)
                ? null
                : "names no heading of " + ROOT.relativize(resolved) + ": #" + anchor + " (headings: " + anchors + ")";
    }

    private record Link(int line, String target) {}

    /** The links of a Markdown file, outside code blocks and code spans; a link's text may wrap to the next line. */
    private static List<Link> links(Path file) {
        StringBuilder text = new StringBuilder();
        String fence = null;
        for (String line : lines(file)) {
            Matcher f = FENCE.matcher(line);
            if (fence != null) {
                if (f.find()
                        && f.group(1).charAt(0) == fence.charAt(0)
                        && f.group(1).length() >= fence.length()) {
                    fence = null;
                }
                text.append('\n');
            } else if (f.find()) {
                fence = f.group(1);
                text.append('\n');
            } else {
                text.append(CODE_SPAN.matcher(line).replaceAll("code")).append('\n');
            }
        }
        List<Link> links = new ArrayList<>();
        for (Pattern p : List.of(INLINE_LINK, REFERENCE_DEFINITION)) {
            Matcher m = p.matcher(text);
            while (m.find()) {
                int line = 1
                        + (int) text.substring(0, m.start())
                                .chars()
                                .filter(c -> c == '\n')
                                .count();
                links.add(new Link(line, m.group(1)));
            }
        }
        return links;
    }

    /** The anchors GitHub gives the headings of a Markdown file (and its explicit HTML anchors), in order. */
    private List<String> anchors(Path file) {
        return anchorsByFile.computeIfAbsent(file, f -> {
            List<String> anchors = new ArrayList<>();
            Map<String, Integer> seen = new HashMap<>();
            List<String> lines = lines(f);
            String fence = null;
            String previous = "";
            for (String line : lines) {
                Matcher fm = FENCE.matcher(line);
                if (fence != null) {
                    if (fm.find()
                            && fm.group(1).charAt(0) == fence.charAt(0)
                            && fm.group(1).length() >= fence.length()) {
                        fence = null;
                    }
                    previous = "";
                    continue;
                }
                if (fm.find()) {
                    fence = fm.group(1);
                    previous = "";
                    continue;
                }
                Matcher html = HTML_ANCHOR.matcher(line);
                while (html.find()) {
                    anchors.add(html.group(1));
                }
                String heading = null;
                Matcher atx = ATX_HEADING.matcher(line);
                if (atx.matches()) {
                    heading = atx.group(2) == null ? "" : atx.group(2);
                } else if (SETEXT_UNDERLINE.matcher(line).matches() && isParagraphLine(previous)) {
                    heading = previous.strip();
                }
                if (heading != null) {
                    String slug = slug(heading);
                    int n = seen.merge(slug, 1, Integer::sum) - 1;
                    anchors.add(n == 0 ? slug : slug + "-" + n);
                    previous = "";
                } else {
                    previous = line;
                }
            }
            return anchors;
        });
    }

    private static boolean isParagraphLine(String line) {
        String s = line.strip();
        return !s.isEmpty()
                && !s.startsWith("|")
                && !s.startsWith("#")
                && !s.startsWith(">")
                && !s.startsWith("-")
                && !s.startsWith("*")
                && !s.startsWith("<")
                && !line.startsWith("    ");
    }

    /**
     * GitHub's anchor for a heading: its text as rendered (links and images give their text, code spans and HTML tags
     * their content), lower case, every space a {@code -}, every other character that is not a letter, a mark, a digit,
     * {@code -} or {@code _} dropped.
     */
    static String slug(String heading) {
        String text = heading.replaceAll("!?\\[((?:[^\\[\\]]|\\[[^\\[\\]]*\\])*)\\]\\([^)]*\\)", "$1")
                .replaceAll("<[^>]+>", "")
                .toLowerCase(Locale.ROOT);
        StringBuilder b = new StringBuilder(text.length());
        text.codePoints().forEach(c -> {
            if (c == ' ') {
                b.append('-');
            } else if (c == '-' || c == '_' || Character.isLetterOrDigit(c) || isMark(c)) {
                b.appendCodePoint(c);
            }
        });
        return b.toString();
    }

    private static boolean isMark(int c) {
        int type = Character.getType(c);
        return type == Character.NON_SPACING_MARK
                || type == Character.ENCLOSING_MARK
                || type == Character.COMBINING_SPACING_MARK
                || type == Character.CONNECTOR_PUNCTUATION;
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
