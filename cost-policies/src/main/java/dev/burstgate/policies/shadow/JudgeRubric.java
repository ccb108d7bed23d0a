package dev.burstgate.policies.shadow;

import java.util.Locale;

/**
 * The fixed rubric a judge tier is asked with, and how its answer is read. The judge sees the question, the reference
 * answer (the stronger tier's) and the candidate (the cheaper tier's), and answers one word.
 */
public final class JudgeRubric {

    /** The system message of every judge call. */
    public static final String SYSTEM = """
            You compare two answers to the same request. The REFERENCE answer came from a strong model; the \
            CANDIDATE answer came from a cheaper one. Decide whether the CANDIDATE is as good as the REFERENCE for \
            the person who asked: as correct, as complete and as useful, and, where the request asked for a format \
            or a tool call, in that format or calling the same tool with equivalent arguments. Wording and length \
            may differ. Answer with exactly one word: ACCEPTABLE if the candidate is as good, NOT_ACCEPTABLE if it \
            is worse.""";

    /** The most characters of each part the judge is shown. */
    static final int PART_LIMIT = 8_000;

    private JudgeRubric() {}

    /** The user message of a judge call. */
    public static String prompt(String question, ShadowAnswer candidate, ShadowAnswer reference) {
        return "REQUEST:\n" + cut(question) + "\n\nREFERENCE:\n" + render(reference) + "\n\nCANDIDATE:\n"
                + render(candidate) + "\n\nVerdict (ACCEPTABLE or NOT_ACCEPTABLE):";
    }

    /**
     * The verdict in a judge's answer: {@code NOT_ACCEPTABLE} (also written {@code not acceptable} or
     * {@code unacceptable}, any letter case) wins over {@code ACCEPTABLE}; neither is {@link Verdict#ERROR}.
     */
    public static Verdict parse(String answer) {
        String a = answer.toLowerCase(Locale.ROOT).replace('-', '_');
        if (a.contains("not_acceptable") || a.contains("not acceptable") || a.contains("unacceptable")) {
            return Verdict.NOT_ACCEPTABLE;
        }
        if (a.contains("acceptable")) {
            return Verdict.ACCEPTABLE;
        }
        return Verdict.ERROR;
    }

    private static String render(ShadowAnswer answer) {
        StringBuilder b = new StringBuilder(cut(answer.text()));
        for (ShadowAnswer.ToolCall call : answer.toolCalls()) {
            b.append("\n[tool call] ").append(call.name()).append(' ').append(cut(call.arguments()));
        }
        return b.toString();
    }

    private static String cut(String s) {
        return s.length() <= PART_LIMIT ? s : s.substring(0, PART_LIMIT) + " …";
    }
}
