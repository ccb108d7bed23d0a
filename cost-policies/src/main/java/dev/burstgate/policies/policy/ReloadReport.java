package dev.burstgate.policies.policy;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * What one reload did, file by file.
 *
 * @param files one result per source read (presets included)
 */
public record ReloadReport(List<FileResult> files) {

    public ReloadReport {
        files = List.copyOf(files);
    }

    /**
     * @param source the file path or {@code preset:NAME}
     * @param policyName the policy the file defines (null when it could not be read far enough)
     * @param problems empty when it loaded
     */
    public record FileResult(String source, @Nullable String policyName, List<Problem> problems) {
        public FileResult {
            problems = List.copyOf(problems);
        }

        public boolean loaded() {
            return problems.isEmpty();
        }
    }

    public boolean allLoaded() {
        return files.stream().allMatch(FileResult::loaded);
    }

    public List<FileResult> failed() {
        return files.stream().filter(f -> !f.loaded()).toList();
    }
}
