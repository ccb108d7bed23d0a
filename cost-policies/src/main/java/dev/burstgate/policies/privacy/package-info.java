/** Personal-data signal: which kinds of PII a prompt holds, never the values. */
@NullMarked
package dev.burstgate.policies.privacy;

import org.jspecify.annotations.NullMarked;
