package dev.burstgate.policies.simulation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Lines the property tests found mishandled, each kept as an example. */
class TrafficReaderTest {

    private final TrafficReader reader = new TrafficReader(false);

    private static byte[] bytes(Object... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Object p : parts) {
            out.writeBytes(p instanceof byte[] b ? b : p.toString().getBytes(StandardCharsets.UTF_8));
        }
        return out.toByteArray();
    }

    @Test
    void anIdThatIsAnObjectOrAnArrayIsABadLineNamingTheField() {
        assertThatThrownBy(() -> reader.parse("t.jsonl", 4, "{\"prompt\":\"x\",\"id\":{\"a\":1}}"))
                .isInstanceOf(BadInputException.class)
                .hasMessage("t.jsonl:4: field 'id': expected a string or a number but found OBJECT");
        assertThatThrownBy(() -> reader.parse("t.jsonl", 5, "{\"prompt\":\"x\",\"id\":[]}"))
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining("field 'id'");
    }

    @Test
    void aLocalConfidenceIsANumberInTheUnitInterval() {
        assertThat(reader.parse("t.jsonl", 1, "{\"prompt\":\"x\",\"local_confidence\":0.42}")
                        .localConfidence())
                .isEqualTo(0.42);
        assertThat(reader.parse("t.jsonl", 1, "{\"prompt\":\"x\"}").localConfidence())
                .isNull();
        assertThatThrownBy(() -> reader.parse("t.jsonl", 2, "{\"prompt\":\"x\",\"local_confidence\":1.5}"))
                .isInstanceOf(BadInputException.class)
                .hasMessage("t.jsonl:2: field 'local_confidence': expected a number in [0, 1] but was 1.5");
        assertThatThrownBy(() -> reader.parse("t.jsonl", 2, "{\"prompt\":\"x\",\"local_confidence\":\"high\"}"))
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining("field 'local_confidence'");
    }

    @Test
    void aNullIdFallsBackToTheLineNumberLikeAMissingOne() {
        assertThat(reader.parse("t.jsonl", 9, "{\"prompt\":\"x\",\"id\":null}").id())
                .isEqualTo("9");
        assertThat(reader.parse("t.jsonl", 9, "{\"prompt\":\"x\",\"id\":17}").id())
                .isEqualTo("17");
    }

    @Test
    void aTimestampBeyondTheRangeOfADoubleIsRejectedAsNotFinite() {
        String huge = "1" + "0".repeat(309);
        assertThatThrownBy(() -> reader.parse("t.jsonl", 2, "{\"prompt\":\"x\",\"ts\":" + huge + "}"))
                .isInstanceOf(BadInputException.class)
                .hasMessageStartingWith("t.jsonl:2: field 'ts': must be a finite number >= 0 but was 1000");
    }

    @Test
    void sourceAndSubjectAreTextNotObjectsOrArrays() {
        assertThatThrownBy(() -> reader.parse("t.jsonl", 3, "{\"prompt\":\"x\",\"source\":{\"a\":1}}"))
                .isInstanceOf(BadInputException.class)
                .hasMessage("t.jsonl:3: field 'source': expected a string but found OBJECT");
        assertThatThrownBy(() -> reader.parse("t.jsonl", 3, "{\"prompt\":\"x\",\"subject\":[\"math\"]}"))
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining("field 'subject'");
        assertThat(reader.parse("t.jsonl", 3, "{\"prompt\":\"x\",\"source\":7}").source())
                .isEqualTo("7");
    }

    @Test
    void contentPartsAreObjectsAndTextPartsHoldStrings() {
        assertThatThrownBy(
                        () -> reader.parse("t.jsonl", 6, "{\"messages\":[{\"role\":\"user\",\"content\":[\"hi\"]}]}"))
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining(":6: field 'messages[0].content[0]'");
        assertThatThrownBy(() -> reader.parse(
                        "t.jsonl",
                        6,
                        "{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":{\"a\":1}}]}]}"))
                .isInstanceOf(BadInputException.class)
                .hasMessage("t.jsonl:6: field 'messages[0].content[0].text': expected a string but found OBJECT");
        TrafficRecord image = reader.parse(
                "t.jsonl",
                6,
                "{\"messages\":[{\"role\":\"user\",\"content\":"
                        + "[{\"type\":\"image_url\",\"image_url\":{\"url\":\"u\"}},{\"type\":\"text\",\"text\":\"look\"}]}]}");
        assertThat(image.messages().getFirst().content()).isEqualTo("look");
    }

    @Test
    void textPartsAreJoinedByANewlineAsTheGatewayJoinsThem() {
        TrafficRecord parts = reader.parse(
                "t.jsonl",
                1,
                "{\"messages\":[{\"role\":\"user\",\"content\":"
                        + "[{\"type\":\"text\",\"text\":\"What is\"},{\"type\":\"text\",\"text\":\"2+2?\"}]}]}");
        assertThat(parts.messages().getFirst().content()).isEqualTo("What is\n2+2?");
        assertThat(parts.chars()).isEqualTo(12);
    }

    @Test
    void aLongBadValueIsQuotedOnlyInPart() {
        String line = "{\"prompt\":\"x\",\"ts\":\"" + "y".repeat(100_000) + "\"}";
        assertThatThrownBy(() -> reader.parse("t.jsonl", 1, line))
                .isInstanceOf(BadInputException.class)
                .hasMessageEndingWith("… (100000 characters)'")
                .message()
                .hasSizeLessThan(300);
    }

    @Test
    void bytesThatAreNotUtf8SpoilOnlyTheirLineWhichIsNamed() throws Exception {
        byte[] file =
                bytes("{\"prompt\":\"a\"}\n{\"prompt\":\"caf", new byte[] {(byte) 0xE9}, "\"}\n{\"prompt\":\"c\"}\n");
        assertThatThrownBy(() -> reader.read("t.jsonl", new ByteArrayInputStream(file), b -> {}))
                .isInstanceOf(BadInputException.class)
                .hasMessage("t.jsonl:2: field '(line)': not UTF-8: byte 15 of the line starts an invalid sequence");
        TrafficReader.Result skipping =
                new TrafficReader(true).read("t.jsonl", new ByteArrayInputStream(file), b -> {});
        assertThat(skipping.rows()).extracting(TrafficRecord::line).containsExactly(1L, 3L);
        assertThat(skipping.skipped()).isEqualTo(1);
    }

    @Test
    void crLfAndCrEndLinesLikeLfAndAByteOrderMarkIsSkipped() throws Exception {
        byte[] file = bytes(
                new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF},
                "{\"prompt\":\"a\"}\r\n",
                "{\"prompt\":\"b\"}\r",
                "\r",
                "{\"prompt\":\"d\"}");
        long[] progress = {0};
        TrafficReader.Result r = reader.read("t.jsonl", new ByteArrayInputStream(file), b -> progress[0] = b);
        assertThat(r.rows()).extracting(TrafficRecord::line).containsExactly(1L, 2L, 4L);
        assertThat(r.rows()).extracting(TrafficRecord::id).containsExactly("1", "2", "4");
        assertThat(progress[0]).isEqualTo(file.length);
    }
}
