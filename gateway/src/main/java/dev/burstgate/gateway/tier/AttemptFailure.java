package dev.burstgate.gateway.tier;

/**
 * An attempt on one tier failed. Carries the endpoint for the cost record and whether the upstream may have billed
 * (it had accepted the request and started answering).
 */
public final class AttemptFailure extends RuntimeException {

  private final String endpoint;
  private final boolean timeout;

  public AttemptFailure(String endpoint, String message, Throwable cause, boolean timeout) {
    super(message, cause, false, false);
    this.endpoint = endpoint;
    this.timeout = timeout;
  }

  public String endpoint() {
    return endpoint;
  }

  public boolean timeout() {
    return timeout;
  }
}
