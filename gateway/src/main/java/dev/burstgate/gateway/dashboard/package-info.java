/**
 * The {@code /dashboard} page: static HTML, CSS and JavaScript (with Chart.js from its webjar) that read the admin
 * API in the browser with an admin key the user types in.
 */
@NullMarked
package dev.burstgate.gateway.dashboard;

import org.jspecify.annotations.NullMarked;
