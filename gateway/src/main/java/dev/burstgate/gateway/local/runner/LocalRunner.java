package dev.burstgate.gateway.local.runner;

/**
 * The local tier in runner mode, as the local tier's configuration takes it: the backend to serve from and the load
 * to route by. (A holder, not the backend itself, so the local tier stays one {@code TierBackend} bean.)
 */
public record LocalRunner(RunnerBackend backend, RunnerLoad load) {}
