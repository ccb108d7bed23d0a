package dev.burstgate.policies.simulation;

import dev.burstgate.policies.Tier;
import dev.burstgate.policies.capability.Capability;
import dev.burstgate.policies.classifier.ChatMessage;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One line of a traffic or prompt file.
 *
 * @param line 1-based line number in the file
 * @param id the row's {@code id} (the line number when absent or null)
 * @param messages the conversation ({@code prompt} becomes one user message)
 * @param timestampSeconds {@code ts}: arrival time in seconds (epoch or relative; ISO-8601 strings are converted), or
 *     null when absent
 * @param source optional {@code source} ("" when absent)
 * @param subject optional {@code subject} ("" when absent)
 * @param level optional MATH {@code level} 1..5
 * @param weakCorrect optional {@code weak_correct}: the local tier's answer would be right
 * @param strongCorrect optional {@code strong_correct}: the cloud and legacy tiers' answers would be right
 * @param tierCorrect optional {@code correct}: per-tier outcomes, e.g. {@code {"local":false,"cloud":true}}; wins over
 *     the weak/strong labels for the tiers it names
 * @param completionTokens optional {@code completion_tokens}: the answer's length, for token prices and service time
 * @param needs what the request needs from a tier, read from its OpenAI fields ({@code tools}, {@code response_format},
 *     image parts, ...) as the gateway reads a live request
 * @param localConfidence optional {@code local_confidence}: the local answer's confidence in [0, 1], the figure a
 *     cascade compares with {@code escalate-below} (what {@code policy-lab tune} tunes it on)
 */
public record TrafficRecord(
        long line,
        String id,
        List<ChatMessage> messages,
        @Nullable Double timestampSeconds,
        String source,
        String subject,
        @Nullable Integer level,
        @Nullable Boolean weakCorrect,
        @Nullable Boolean strongCorrect,
        Map<Tier, Boolean> tierCorrect,
        @Nullable Long completionTokens,
        Map<Capability, String> needs,
        @Nullable Double localConfidence) {

    public TrafficRecord {
        needs = Map.copyOf(needs);
        Objects.requireNonNull(id, "id");
        messages = List.copyOf(messages);
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(subject, "subject");
        tierCorrect = Map.copyOf(tierCorrect);
    }

    /** Whether {@code tier}'s answer would be right, or null when the row has no label for it. */
    public @Nullable Boolean correctOn(Tier tier) {
        Boolean explicit = tierCorrect.get(tier);
        if (explicit != null) {
            return explicit;
        }
        return switch (tier) {
            case LOCAL -> weakCorrect;
            case CLOUD, LEGACY -> strongCorrect;
        };
    }

    /** All characters of all messages. */
    public long chars() {
        long n = 0;
        for (ChatMessage m : messages) {
            n += m.content().length();
        }
        return n;
    }
}
