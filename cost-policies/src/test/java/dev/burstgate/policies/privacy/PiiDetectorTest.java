package dev.burstgate.policies.privacy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.burstgate.policies.classifier.ChatMessage;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PiiDetectorTest {

    private final PiiDetector detector = new PiiDetector();

    private PrivacySignal scan(String s) {
        return detector.scan(s);
    }

    @Test
    void findsEmailAddressesAndCountsThem() {
        PrivacySignal s = scan("Mail jane.doe+tag@example.co.uk or ops@burstgate.dev today");
        assertThat(s.count(PiiKind.EMAIL)).isEqualTo(2);
        assertThat(s.kinds()).containsExactly(PiiKind.EMAIL);
    }

    @ParameterizedTest
    @ValueSource(strings = {"user@localhost", "@handle on twitter", "a@b", "email me at name(at)example.com"})
    void ignoresThingsThatAreNotEmailAddresses(String text) {
        assertThat(scan(text).count(PiiKind.EMAIL)).isZero();
    }

    @ParameterizedTest
    @ValueSource(strings = {"4111 1111 1111 1111", "4111-1111-1111-1111", "5500005555555559", "378282246310005"})
    void findsLuhnValidCardNumbers(String card) {
        assertThat(scan("card: " + card + " exp 12/29").count(PiiKind.CARD)).isEqualTo(1);
    }

    @ParameterizedTest
    @ValueSource(strings = {"4111 1111 1111 1112", "1234567890123456", "0000 0000 0000 0000", "order 98765432109876"})
    void ignoresLuhnInvalidOrDegenerateDigitRuns(String digits) {
        assertThat(scan(digits).count(PiiKind.CARD)).isZero();
    }

    @Test
    void findsValidIbansWithOrWithoutSpaces() {
        assertThat(scan("pay GB82 WEST 1234 5698 7654 32 please").count(PiiKind.IBAN))
                .isEqualTo(1);
        assertThat(scan("DE89370400440532013000").count(PiiKind.IBAN)).isEqualTo(1);
    }

    @Test
    void ignoresIbanShapedStringsWithABadChecksum() {
        assertThat(scan("GB82 WEST 1234 5698 7654 33").count(PiiKind.IBAN)).isZero();
    }

    @Test
    void findsSocialSecurityNumbersInValidRangesOnly() {
        assertThat(scan("SSN 123-45-6789").count(PiiKind.NATIONAL_ID)).isEqualTo(1);
        assertThat(scan("000-12-3456 666-12-3456 912-34-5678 123-00-4567 123-45-0000")
                        .count(PiiKind.NATIONAL_ID))
                .isZero();
    }

    @Test
    void findsUkNationalInsuranceNumbers() {
        assertThat(scan("NINO: AB 12 34 56 C").count(PiiKind.NATIONAL_ID)).isEqualTo(1);
        assertThat(scan("JG103759A").count(PiiKind.NATIONAL_ID)).isEqualTo(1);
        assertThat(scan("QQ123456C is only a format example").count(PiiKind.NATIONAL_ID))
                .isZero();
        assertThat(scan("GB123456A is not valid").count(PiiKind.NATIONAL_ID)).isZero();
    }

    @ParameterizedTest
    @ValueSource(strings = {"+44 20 7946 0958", "+1 (415) 555-2671", "(415) 555-2671", "415-555-2671", "+49 30 901820"})
    void findsPhoneNumbers(String phone) {
        assertThat(scan("call " + phone + " now").count(PiiKind.PHONE)).isEqualTo(1);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "version 1.2.3",
                "release 10.4.1.2",
                "on 2024-01-15",
                "at 192.168.100.200",
                "pi is 3.14159265358979",
                "the year 2024 had 366 days",
                "ISBN 978-3-16-148410-0",
                "total 1234567"
            })
    void ignoresVersionsDatesAddressesAndPlainNumbers(String text) {
        PrivacySignal s = scan(text);
        assertThat(s.found()).as(s.toString()).isFalse();
    }

    @Test
    void aCardNumberIsNotAlsoCountedAsAPhoneNumber() {
        PrivacySignal s = scan("4111 1111 1111 1111");
        assertThat(s.kinds()).containsExactly(PiiKind.CARD);
    }

    @Test
    void scansEveryMessageOfAConversationAndNeverKeepsValues() {
        PrivacySignal s = detector.scan(List.of(
                ChatMessage.system("no pii here"),
                ChatMessage.user("I am jane@example.com"),
                ChatMessage.user("card 4111111111111111")));
        assertThat(s.counts()).containsOnlyKeys(PiiKind.EMAIL, PiiKind.CARD);
        assertThat(s.toString()).doesNotContain("jane").doesNotContain("4111");
    }

    @Test
    void searchesOnlyTheFirstSixtyFourKilobytesAndSaysSo() {
        String text = "x".repeat(PiiDetector.MAX_ANALYSED_CHARS) + " jane@example.com";
        PrivacySignal s = scan(text);
        assertThat(s.truncated()).isTrue();
        assertThat(s.found()).isFalse();
    }

    @Test
    void emptyTextHasNoSignal() {
        assertThat(scan("")).isEqualTo(PrivacySignal.NONE);
    }

    @Test
    void foundAnyOnlyLooksAtWatchedKinds() {
        PrivacySignal s = scan("jane@example.com");
        assertThat(s.foundAny(java.util.Set.of(PiiKind.CARD))).isFalse();
        assertThat(s.foundAny(java.util.Set.of(PiiKind.EMAIL))).isTrue();
    }
}
