package dev.burstgate.gateway.guard;

import static org.assertj.core.api.Assertions.assertThat;

import dev.burstgate.gateway.access.AccessRule;
import dev.burstgate.gateway.testsupport.GatewayIT;
import dev.burstgate.gateway.testsupport.GatewayIT.Tenant;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.HttpMethod;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Every admin and API route, spelled every way a client or an attacker might (percent-encoded letters, path
 * parameters, doubled slashes, dot segments, encoded slashes, other letter case, a trailing slash), with GET and PUT,
 * with no key, a tenant's key and the admin key, over raw sockets so no client library tidies the path first. Each
 * spelling must answer exactly as the route's canonical spelling does with the same method and key, or be refused
 * as 400 or 404; a spelling never gets past a rule that the canonical path would have stopped it at. Budgets written
 * with a non-admin key must never change.
 */
@GatewayIT(
        tenants = @Tenant(name = "acme", key = AccessSpellingsIT.TENANT_KEY, requestsPerSecond = 100000),
        adminKey = AccessSpellingsIT.ADMIN_KEY)
class AccessSpellingsIT {

    static final String TENANT_KEY = "sk-test-acme";
    static final String ADMIN_KEY = "sk-test-admin";
    static final String ADMIN_DAILY = "7.5";

    @LocalServerPort
    int port;

    @Autowired
    AccessRules rules;

    @Autowired
    JsonMapper json;

    enum Key {
        NONE(null),
        TENANT(TENANT_KEY),
        ADMIN(ADMIN_KEY);

        final String value;

        Key(String value) {
            this.value = value;
        }
    }

    /** The routes under test: every declared route under /admin and /v1, path variables filled in. */
    List<String> routes() {
        Set<String> paths = new LinkedHashSet<>();
        for (AccessRule rule : rules.rules()) {
            if (!rule.methods().isEmpty()
                    && (rule.pattern().startsWith("/admin/") || rule.pattern().startsWith("/v1/"))) {
                paths.add(rule.pattern().replace("{tenant}", "acme").replace("{name}", "balanced"));
            }
        }
        return new ArrayList<>(paths);
    }

    /** Other spellings of {@code path}. */
    static List<String> spellings(String path) {
        String[] segments = path.substring(1).split("/");
        String first = segments[0];
        String rest = path.substring(1 + first.length());
        String last = segments[segments.length - 1];
        String head = path.substring(0, path.length() - last.length());
        List<String> out = new ArrayList<>();
        for (int i = 0; i < first.length(); i++) {
            out.add("/" + first.substring(0, i) + encode(first.charAt(i)) + first.substring(i + 1) + rest);
        }
        out.add(head + encode(last.charAt(0)) + last.substring(1));
        out.add("/" + encodeAll(first) + rest);
        out.add("/" + first + ";x=1" + rest);
        out.add(path + ";x=1");
        out.add("/" + first + "%3Bx=1" + rest);
        out.add("/" + path);
        out.add(path.replaceFirst("/", "//").replace(first + "/", first + "//"));
        out.add(path + "/");
        out.add(path + "//");
        out.add("/" + first + "/." + rest);
        out.add("/" + first + "/%2e" + rest);
        out.add("/x/.." + path);
        out.add("/x/%2e%2e" + path);
        out.add("/x/%2E%2E" + path);
        out.add("/v1/../" + path.substring(1));
        out.add(path.replaceFirst("/(?=[^/]*$)", "%2F"));
        out.add(path.replaceFirst("/(?=[^/]*$)", "%2f"));
        out.add(path.replaceFirst("/(?=[^/]*$)", "%5C"));
        out.add("/" + first.toUpperCase(Locale.ROOT) + rest);
        out.add("/" + Character.toUpperCase(first.charAt(0)) + first.substring(1) + rest);
        out.add(path.toUpperCase(Locale.ROOT));
        out.add("/" + first + "%00" + rest);
        out.add("/" + first + "%20" + rest);
        out.add("/%2561" + first.substring(1) + rest);
        return out;
    }

    static String encode(char c) {
        return "%" + String.format("%02X", (int) c);
    }

    static String encodeAll(String s) {
        StringBuilder b = new StringBuilder();
        for (char c : s.toCharArray()) {
            b.append(encode(c).toLowerCase(Locale.ROOT));
        }
        return b.toString();
    }

    @Test
    void everySpellingOfEveryRouteIsTheSameResourceUnderTheSameRuleOrRefused() throws IOException {
        List<String> routes = routes();
        assertThat(routes)
                .contains(
                        "/admin/budgets",
                        "/admin/budgets/acme",
                        "/admin/costs/summary",
                        "/admin/costs/requests",
                        "/admin/policies",
                        "/admin/policies/balanced/shadow",
                        "/admin/policies/balanced/tuning",
                        "/admin/policies/balanced/tuning/audit",
                        "/admin/policies/balanced/tuning/apply",
                        "/admin/policies/balanced/tuning/rollback",
                        "/v1/models",
                        "/v1/chat/completions");
        set(ADMIN_DAILY);
        List<String> failures = new ArrayList<>();
        int checked = 0;
        for (String route : routes) {
            for (HttpMethod method : List.of(HttpMethod.GET, HttpMethod.PUT)) {
                for (Key key : Key.values()) {
                    int canonical = send(method, route, key).status();
                    if (route.startsWith("/admin/") && key != Key.ADMIN) {
                        assertThat(canonical)
                                .as("%s %s with %s", method, route, key)
                                .isIn(401, 403);
                    }
                    if (route.startsWith("/v1/") && key == Key.NONE) {
                        assertThat(canonical)
                                .as("%s %s with %s", method, route, key)
                                .isEqualTo(401);
                    }
                    for (String spelling : spellings(route)) {
                        Answer answer = send(method, spelling, key);
                        checked++;
                        if (answer.status() != canonical && answer.status() != 400 && answer.status() != 404) {
                            failures.add(method + " " + spelling + " with " + key + ": " + answer.status() + " where "
                                    + route + " answers " + canonical);
                        }
                        if (answer.status() >= 400 && !answer.openAiError()) {
                            failures.add(method + " " + spelling + " with " + key + ": " + answer.status()
                                    + " without an OpenAI-shaped error body");
                        }
                    }
                }
            }
        }
        assertThat(failures).as("%d requests checked", checked).isEmpty();
        assertThat(checked).isGreaterThan(1000);
        // Every PUT without the admin key sent a different limit: had any got through, the limit would differ.
        JsonNode budget = json.readTree(
                send(HttpMethod.GET, "/admin/budgets/acme", Key.ADMIN).body());
        assertThat(budget.path("daily").path("limit_usd").decimalValue()).isEqualByComparingTo(ADMIN_DAILY);
    }

    @Test
    void theSpellingsOfTheIssueThatOnceBypassedTheAdminKeyAreRefused() throws IOException {
        set(ADMIN_DAILY);
        for (String path : List.of(
                "/%61dmin/costs/requests", "/adm%69n/policies", "/admin;x=1/budgets", "/%761/models", "/v1;x/models")) {
            assertThat(send(HttpMethod.GET, path, Key.NONE).status()).as(path).isIn(400, 401, 404);
        }
        assertThat(send(HttpMethod.PUT, "/%61dmin/budgets/acme", Key.NONE, "{\"daily_usd\":0.01}")
                        .status())
                .isEqualTo(401);
        JsonNode budget = json.readTree(
                send(HttpMethod.GET, "/admin/budgets/acme", Key.ADMIN).body());
        assertThat(budget.path("daily").path("limit_usd").decimalValue()).isEqualByComparingTo(ADMIN_DAILY);
    }

    @Test
    void aWrongMethodIs405WithAllowOnlyOnceTheKeyOfTheRouteIsShown() throws IOException {
        Answer anonymous = send(HttpMethod.DELETE, "/admin/budgets/acme", Key.NONE);
        assertThat(anonymous.status()).isEqualTo(401);
        Answer admin = send(HttpMethod.DELETE, "/admin/budgets/acme", Key.ADMIN);
        assertThat(admin.status()).isEqualTo(405);
        assertThat(admin.header("allow")).isEqualTo("GET, HEAD, PUT");
        assertThat(send(HttpMethod.GET, "/v1/chat/completions", Key.TENANT).header("allow"))
                .isEqualTo("POST");
    }

    @Test
    void pathsNoRouteDeclaresAreNotFoundAndTheManagementEndpointsAreNotOnTheApiPort() throws IOException {
        for (String path : List.of(
                "/",
                "/actuator/prometheus",
                "/actuator/env",
                "/actuator/metrics",
                "/ADMIN/budgets",
                "/application.yml",
                "/static/dashboard/index.html")) {
            assertThat(send(HttpMethod.GET, path, Key.ADMIN).status()).as(path).isEqualTo(404);
        }
        Answer health = send(HttpMethod.GET, "/actuator/health", Key.NONE);
        assertThat(health.status()).isEqualTo(200);
        assertThat(health.body()).isEqualTo("{\"status\":\"UP\"}");
    }

    private void set(String daily) throws IOException {
        Answer a = send(HttpMethod.PUT, "/admin/budgets/acme", Key.ADMIN, "{\"daily_usd\":" + daily + "}");
        assertThat(a.status()).as(a.body()).isEqualTo(200);
    }

    record Answer(int status, String head, String body) {
        String header(String name) {
            for (String line : head.split("\r\n")) {
                int colon = line.indexOf(':');
                if (colon > 0 && line.substring(0, colon).equalsIgnoreCase(name)) {
                    return line.substring(colon + 1).strip();
                }
            }
            return null;
        }

        boolean openAiError() {
            return body.startsWith("{\"error\":{\"message\":")
                    && body.contains("\"type\":")
                    && body.contains("\"code\":");
        }
    }

    private Answer send(HttpMethod method, String path, Key key) throws IOException {
        // The admin sets the limit it sets; any other key tries to set another, which must never hold.
        String body =
                method != HttpMethod.PUT ? null : "{\"daily_usd\":" + (key == Key.ADMIN ? ADMIN_DAILY : "0.01") + "}";
        return send(method, path, key, body);
    }

    private Answer send(HttpMethod method, String path, Key key, String body) throws IOException {
        try {
            return exchange(method, path, key, body);
        } catch (IOException e) {
            throw new IOException(method + " " + path + " with " + key + ": " + e, e);
        }
    }

    private Answer exchange(HttpMethod method, String path, Key key, String body) throws IOException {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            socket.setSoTimeout(10_000);
            StringBuilder request = new StringBuilder();
            request.append(method.name()).append(' ').append(path).append(" HTTP/1.1\r\n");
            request.append("Host: localhost\r\nConnection: close\r\n");
            if (key.value != null) {
                request.append("Authorization: Bearer ").append(key.value).append("\r\n");
            }
            byte[] payload = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
            if (body != null) {
                request.append("Content-Type: application/json\r\nContent-Length: ")
                        .append(payload.length)
                        .append("\r\n");
            }
            request.append("\r\n");
            OutputStream out = socket.getOutputStream();
            out.write(request.toString().getBytes(StandardCharsets.ISO_8859_1));
            out.write(payload);
            out.flush();
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            in.transferTo(all);
            String response = all.toString(StandardCharsets.UTF_8);
            int split = response.indexOf("\r\n\r\n");
            String head = split < 0 ? response : response.substring(0, split);
            String rest = split < 0 ? "" : response.substring(split + 4);
            if (head.toLowerCase(Locale.ROOT).contains("transfer-encoding: chunked")) {
                rest = unchunk(rest);
            }
            int status = Integer.parseInt(head.substring(9, 12));
            return new Answer(status, head, rest);
        }
    }

    private static String unchunk(String chunked) {
        StringBuilder out = new StringBuilder();
        int i = 0;
        while (i < chunked.length()) {
            int eol = chunked.indexOf("\r\n", i);
            if (eol < 0) {
                break;
            }
            int size = Integer.parseInt(chunked.substring(i, eol).strip(), 16);
            if (size == 0) {
                break;
            }
            out.append(chunked, eol + 2, eol + 2 + size);
            i = eol + 2 + size + 2;
        }
        return out.toString();
    }
}
