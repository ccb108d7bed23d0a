package dev.burstgate.policies;

import java.util.Locale;

/** The three places a prompt can be answered, cheapest first. */
public enum Tier {
  /** The model inside the gateway process. */
  LOCAL,
  /** The pool of cloud endpoints serving a mid-size model. */
  CLOUD,
  /** The commercial API being replaced; the fallback of last resort. */
  LEGACY;

  private final String label = name().toLowerCase(Locale.ROOT);

  /** The tier's name as the API, headers, metrics and the ledger spell it: {@code local}, {@code cloud}, {@code legacy}. */
  public String label() {
    return label;
  }
}
