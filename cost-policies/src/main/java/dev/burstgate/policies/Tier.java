package dev.burstgate.policies;

/** The three places a prompt can be answered, cheapest first. */
public enum Tier {
  /** The model inside the gateway process. */
  LOCAL,
  /** The pool of cloud endpoints serving a mid-size model. */
  CLOUD,
  /** The commercial API being replaced; the fallback of last resort. */
  LEGACY
}
