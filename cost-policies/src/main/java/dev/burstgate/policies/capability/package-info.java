/**
 * What a request needs from a tier (tools, JSON output, images, a long context) and what each tier can do: the one
 * rule the gateway's router and the policy lab's simulator both apply, so a request goes only where it can be served.
 */
@NullMarked
package dev.burstgate.policies.capability;

import org.jspecify.annotations.NullMarked;
