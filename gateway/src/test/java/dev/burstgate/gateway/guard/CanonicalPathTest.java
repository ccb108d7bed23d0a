package dev.burstgate.gateway.guard;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CanonicalPathTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
      /                                  | /
      /admin/costs/summary               | /admin/costs/summary
      /%61dmin/costs/requests            | /admin/costs/requests
      /adm%69n/policies                  | /admin/policies
      /%76%31/models                     | /v1/models
      /%41DMIN/costs                     | /ADMIN/costs
      /admin/budgets/acme%20corp         | /admin/budgets/acme%20corp
      /admin/budgets/acme%7e             | /admin/budgets/acme~
      /admin/budgets/                    | /admin/budgets/
      /dashboard/index.html              | /dashboard/index.html
      """)
    void spellingsThatNeedNoEncodingAreDecodedAndTheRestEncodedOneWay(String raw, String canonical) {
        assertThat(CanonicalPath.of(raw)).isEqualTo(new CanonicalPath.Canonical(canonical));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
      /admin;x=1/budgets                 | path parameters
      /admin/budgets;jsessionid=1        | path parameters
      /admin%3Bx/budgets                 | path parameters
      //admin/budgets                    | empty path segments
      /admin//budgets                    | empty path segments
      /v1/../admin/budgets               | dot segments
      /v1/./models                       | dot segments
      /v1/%2e%2e/admin/budgets           | dot segments
      /v1/%2E/models                     | dot segments
      /admin%2Fbudgets                   | encoded slashes
      /admin%2fbudgets                   | encoded slashes
      /admin%5Cbudgets                   | encoded slashes
      /admin\\budgets                    | encoded slashes
      /admin%00/budgets                  | control characters
      /admin%0a/budgets                  | control characters
      /admin%zz/budgets                  | malformed percent-encoding
      /admin%4/budgets                   | malformed percent-encoding
      /admin%c3%28                       | malformed percent-encoding
      /adminé                            | outside ASCII
      admin/budgets                      | must start with
      """)
    void spellingsThatCouldMeanAnotherResourceAreRefused(String raw, String reason) {
        assertThat(CanonicalPath.of(raw))
                .isInstanceOfSatisfying(
                        CanonicalPath.Invalid.class,
                        invalid -> assertThat(invalid.reason()).contains(reason));
    }
}
