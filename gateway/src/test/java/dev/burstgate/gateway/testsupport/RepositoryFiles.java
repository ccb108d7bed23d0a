package dev.burstgate.gateway.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

/** The repository's own files, for tests that check documentation and scripts against the code. */
public final class RepositoryFiles {

    /** The repository's root: the gateway module's tests run in {@code gateway/}. */
    public static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    /** Directories that hold no file of the project's own: build output, Git's data, npm packages. */
    private static final Set<String> SKIPPED_DIRECTORIES = Set.of("target", ".git", "node_modules");

    private RepositoryFiles() {}

    /** Every regular file below {@link #ROOT} that {@code wanted} accepts, in walking order, outside skipped ones. */
    public static List<Path> matching(Predicate<Path> wanted) {
        List<Path> found = new ArrayList<>();
        try {
            Files.walkFileTree(ROOT, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                    return !dir.equals(ROOT)
                                    && SKIPPED_DIRECTORIES.contains(
                                            dir.getFileName().toString())
                            ? FileVisitResult.SKIP_SUBTREE
                            : FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                    if (attrs.isRegularFile() && wanted.test(file)) {
                        found.add(file);
                    }
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return List.copyOf(found);
    }
}
