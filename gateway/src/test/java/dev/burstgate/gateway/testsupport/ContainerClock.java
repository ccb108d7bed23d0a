package dev.burstgate.gateway.testsupport;

import org.testcontainers.containers.GenericContainer;

/**
 * Moves the clock of the test containers together with the test JVM's, for the check that the suite passes on any
 * date ({@code .ci/faketime-verify.sh}, docs/testing.md): when {@code BURSTGATE_TEST_FAKETIME} is set (a libfaketime
 * offset such as {@code +365d}), every container from {@link DataServices} and {@link NativeLlamaServer} runs with
 * libfaketime preloaded at that offset. Unset (the normal case), containers are left alone. The locally built CI
 * images carry libfaketime; the official images do not, so the check runs on those.
 */
public final class ContainerClock {

  /** Environment variable with the libfaketime offset, e.g. {@code +365d}. */
  public static final String OFFSET_ENV = "BURSTGATE_TEST_FAKETIME";
  /** Environment variable overriding where libfaketime lives inside the containers. */
  public static final String LIBRARY_ENV = "BURSTGATE_TEST_FAKETIME_LIB";
  static final String LIBRARY_DEFAULT = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1";

  private ContainerClock() {}

  /** {@code container}, with its clock moved by the configured offset when there is one. */
  public static <C extends GenericContainer<?>> C apply(C container) {
    String offset = System.getenv(OFFSET_ENV);
    if (offset == null || offset.isBlank()) {
      return container;
    }
    String library = System.getenv(LIBRARY_ENV);
    container.withEnv("LD_PRELOAD", library == null || library.isBlank() ? LIBRARY_DEFAULT : library.strip());
    container.withEnv("FAKETIME", offset.strip());
    // Only the wall clock moves: timers and timeouts run on the monotonic clock, left as it is.
    container.withEnv("FAKETIME_DONT_FAKE_MONOTONIC", "1");
    return container;
  }
}
