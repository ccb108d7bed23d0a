package dev.burstgate.gateway.tier;

import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import org.springframework.boot.context.properties.bind.BindResult;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.Environment;

/**
 * Whether unconfigured tiers run simulated stand-ins: only when no tier is configured at all — no
 * {@code burstgate.tiers.local.model}, no {@code burstgate.tiers.cloud.endpoints}, no
 * {@code burstgate.tiers.legacy.url}: the zero-configuration demo — or when {@code burstgate.demo=true} asks for it.
 * As soon as any tier is configured, the unconfigured ones are off, never silently simulated; {@code
 * burstgate.demo=false} keeps them off even when nothing is configured. Read from the {@link Environment} (tier beans
 * and conditions ask before any properties record is bound); its configuration metadata is in
 * {@code META-INF/additional-spring-configuration-metadata.json}.
 */
public final class DemoMode {

    /** The property that turns demo mode on beside configured tiers. */
    public static final String PROPERTY = "burstgate.demo";

    private DemoMode() {}

    /** Whether demo mode is on for this configuration. */
    public static boolean on(Environment env) {
        Binder binder = Binder.get(env);
        BindResult<Boolean> asked = binder.bind(PROPERTY, Boolean.class);
        if (asked.isBound()) {
            return asked.get();
        }
        return !binder.bind("burstgate.tiers.local.model", Path.class).isBound()
                && binder.bind("burstgate.tiers.cloud.endpoints", Bindable.listOf(URI.class))
                        .map(List::isEmpty)
                        .orElse(true)
                && !binder.bind("burstgate.tiers.legacy.url", URI.class).isBound();
    }

    /** Whether the reason is the explicit {@code burstgate.demo=true} (for the start-up log). */
    static boolean asked(Environment env) {
        return Binder.get(env).bind(PROPERTY, Boolean.class).orElse(false);
    }

    /** Why demo mode is on, for a simulated tier's start-up line. */
    public static String why(Environment env) {
        return asked(env) ? PROPERTY + "=true" : "demo mode: no tier is configured";
    }
}
