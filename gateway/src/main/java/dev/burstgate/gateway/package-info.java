/** The gateway application: Spring Boot's entry point, with every feature in a package below. */
@NullMarked
package dev.burstgate.gateway;

import org.jspecify.annotations.NullMarked;
