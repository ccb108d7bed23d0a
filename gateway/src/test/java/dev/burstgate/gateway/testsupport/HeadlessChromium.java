package dev.burstgate.gateway.testsupport;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * Starts the system's Chromium headless through the system's chromedriver, both named explicitly, so Selenium
 * Manager never looks anything up or downloads anything. Defaults are Debian's {@code /usr/bin/chromium} and
 * {@code /usr/bin/chromedriver} ({@code apt-get install chromium chromium-driver}; CI runs {@code .ci/browser-up.sh}).
 * A missing browser fails the test with a message saying how to get one; only the system property
 * {@value #SKIP_PROPERTY}{@code =true} skips browser tests instead.
 */
public final class HeadlessChromium {

    /** System property {@value} (or env {@code BURSTGATE_TEST_CHROMIUM}): the Chromium binary. */
    public static final String BINARY_PROPERTY = "burstgate.test.chromium";
    /** System property {@value} (or env {@code BURSTGATE_TEST_CHROMEDRIVER}): the matching chromedriver. */
    public static final String DRIVER_PROPERTY = "burstgate.test.chromedriver";
    /** System property {@value}: {@code true} skips browser tests (they fail when no browser is found otherwise). */
    public static final String SKIP_PROPERTY = "burstgate.skipBrowserTests";

    static final String BINARY_DEFAULT = "/usr/bin/chromium";
    static final String DRIVER_DEFAULT = "/usr/bin/chromedriver";

    private HeadlessChromium() {}

    /**
     * A new headless Chromium with the given viewport. Skips the calling test when {@value #SKIP_PROPERTY} is true;
     * fails it with instructions when the browser or the driver is missing.
     */
    public static ChromeDriver start(int width, int height) {
        Assumptions.assumeFalse(Boolean.getBoolean(SKIP_PROPERTY), SKIP_PROPERTY + "=true: browser tests skipped");
        Path binary = executable(BINARY_PROPERTY, "BURSTGATE_TEST_CHROMIUM", BINARY_DEFAULT, "Chromium");
        Path driver = executable(DRIVER_PROPERTY, "BURSTGATE_TEST_CHROMEDRIVER", DRIVER_DEFAULT, "chromedriver");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(binary.toFile());
        // CI runs as root in a container: no sandbox, and /dev/shm may be tiny.
        options.addArguments(
                "--headless=new",
                "--no-sandbox",
                "--disable-dev-shm-usage",
                "--disable-gpu",
                "--no-first-run",
                "--no-default-browser-check",
                "--disable-extensions",
                "--lang=en-US",
                "--window-size=" + width + "," + height);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(driver.toFile())
                .usingAnyFreePort()
                .withTimeout(Duration.ofSeconds(30))
                .build();
        return new ChromeDriver(service, options);
    }

    private static Path executable(String property, String env, String fallback, String what) {
        String configured = System.getProperty(property);
        if (configured == null || configured.isBlank()) {
            configured = System.getenv(env);
        }
        Path path = Path.of(configured == null || configured.isBlank() ? fallback : configured.strip());
        if (!Files.isRegularFile(path) || !Files.isExecutable(path)) {
            Assertions.fail(what + " not found at " + path + ". Install Debian's browser and driver "
                    + "(apt-get install -y chromium chromium-driver; CI runs .ci/browser-up.sh), or name them with -D"
                    + BINARY_PROPERTY + "=... -D" + DRIVER_PROPERTY + "=... (env BURSTGATE_TEST_CHROMIUM / "
                    + "BURSTGATE_TEST_CHROMEDRIVER), or skip browser tests with -D" + SKIP_PROPERTY + "=true.");
        }
        return path;
    }
}
