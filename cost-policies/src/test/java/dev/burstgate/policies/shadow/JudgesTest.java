package dev.burstgate.policies.shadow;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class JudgesTest {

    private static ShadowAnswer calls(ShadowAnswer.ToolCall... calls) {
        return new ShadowAnswer("", List.of(calls));
    }

    @Test
    void exactIgnoresWhitespaceRunsAndUnicodeNormalFormOnly() {
        assertThat(Judges.exact(
                        ShadowAnswer.text("  Paris is\n the  capital. "), ShadowAnswer.text("Paris is the capital.")))
                .isEqualTo(Verdict.ACCEPTABLE);
        assertThat(Judges.exact(ShadowAnswer.text("Cafe\u0301"), ShadowAnswer.text("Caf\u00e9")))
                .isEqualTo(Verdict.ACCEPTABLE);
        assertThat(Judges.exact(ShadowAnswer.text("paris"), ShadowAnswer.text("Paris")))
                .isEqualTo(Verdict.NOT_ACCEPTABLE);
    }

    @Test
    void exactComparesToolCallsInOrderByNameAndArgumentText() {
        var a = new ShadowAnswer.ToolCall("get_weather", "{\"city\":\"Paris\"}");
        var b = new ShadowAnswer.ToolCall("get_weather", "{ \"city\": \"Paris\" }");
        assertThat(Judges.exact(calls(a), calls(a))).isEqualTo(Verdict.ACCEPTABLE);
        assertThat(Judges.exact(calls(a), calls(b))).isEqualTo(Verdict.NOT_ACCEPTABLE);
    }

    @Test
    void structuralComparesJsonAnswersAsValues() {
        assertThat(Judges.structural(
                        ShadowAnswer.text("{\"a\": 1, \"b\": [true, null, \"x\"]}"),
                        ShadowAnswer.text("{\"b\":[true,null,\"x\"],\"a\":1.0}")))
                .isEqualTo(Verdict.ACCEPTABLE);
        assertThat(Judges.structural(ShadowAnswer.text("{\"a\": 1}"), ShadowAnswer.text("{\"a\": 2}")))
                .isEqualTo(Verdict.NOT_ACCEPTABLE);
        assertThat(Judges.structural(ShadowAnswer.text("[1, 2]"), ShadowAnswer.text("[2, 1]")))
                .isEqualTo(Verdict.NOT_ACCEPTABLE);
        assertThat(Judges.structural(ShadowAnswer.text("{\"a\": 1}"), ShadowAnswer.text("a is 1")))
                .isEqualTo(Verdict.NOT_ACCEPTABLE);
        assertThat(Judges.structural(ShadowAnswer.text("plain  text"), ShadowAnswer.text("plain text")))
                .isEqualTo(Verdict.ACCEPTABLE);
    }

    @Test
    void structuralComparesToolCallsByNameAndParsedArgumentsInAnyOrder() {
        var weather = new ShadowAnswer.ToolCall("get_weather", "{\"city\":\"Paris\",\"days\":3}");
        var weatherSpaced = new ShadowAnswer.ToolCall("get_weather", "{ \"days\": 3.0, \"city\": \"Paris\" }");
        var time = new ShadowAnswer.ToolCall("get_time", "{\"tz\":\"CET\"}");
        assertThat(Judges.structural(calls(weather, time), calls(time, weatherSpaced)))
                .isEqualTo(Verdict.ACCEPTABLE);
        assertThat(Judges.structural(calls(weather), calls(weather, time))).isEqualTo(Verdict.NOT_ACCEPTABLE);
        assertThat(Judges.structural(
                        calls(weather), calls(new ShadowAnswer.ToolCall("get_forecast", weather.arguments()))))
                .isEqualTo(Verdict.NOT_ACCEPTABLE);
        assertThat(Judges.structural(
                        calls(weather),
                        calls(new ShadowAnswer.ToolCall("get_weather", "{\"city\":\"Lyon\",\"days\":3}"))))
                .isEqualTo(Verdict.NOT_ACCEPTABLE);
        assertThat(Judges.structural(calls(weather), ShadowAnswer.text("It is sunny in Paris.")))
                .isEqualTo(Verdict.NOT_ACCEPTABLE);
    }

    @Test
    void theRubricNamesBothAnswersAndItsVerdictIsReadFromOneWord() {
        String prompt = JudgeRubric.prompt(
                "What is 2+2?",
                ShadowAnswer.text("5"),
                new ShadowAnswer("4", List.of(new ShadowAnswer.ToolCall("calc", "{\"x\":\"2+2\"}"))));
        assertThat(prompt)
                .contains("REQUEST:\nWhat is 2+2?", "REFERENCE:\n4\n[tool call] calc {\"x\":\"2+2\"}", "CANDIDATE:\n5");
        assertThat(JudgeRubric.SYSTEM).contains("ACCEPTABLE", "NOT_ACCEPTABLE");
        assertThat(JudgeRubric.parse("ACCEPTABLE")).isEqualTo(Verdict.ACCEPTABLE);
        assertThat(JudgeRubric.parse(" acceptable.\n")).isEqualTo(Verdict.ACCEPTABLE);
        assertThat(JudgeRubric.parse("NOT_ACCEPTABLE")).isEqualTo(Verdict.NOT_ACCEPTABLE);
        assertThat(JudgeRubric.parse("Not acceptable: wrong sum")).isEqualTo(Verdict.NOT_ACCEPTABLE);
        assertThat(JudgeRubric.parse("not-acceptable")).isEqualTo(Verdict.NOT_ACCEPTABLE);
        assertThat(JudgeRubric.parse("I cannot tell")).isEqualTo(Verdict.ERROR);
    }
}
