/** Cost policies read from YAML and the named registry that holds them. */
@NullMarked
package dev.burstgate.policies.policy;

import org.jspecify.annotations.NullMarked;
