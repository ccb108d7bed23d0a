/** The policy-lab command line: classify, simulate, compare, train, validate. */
@NullMarked
package dev.burstgate.policies.cli;

import org.jspecify.annotations.NullMarked;
