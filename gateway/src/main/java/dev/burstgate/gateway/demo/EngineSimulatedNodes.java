package dev.burstgate.gateway.demo;

import dev.burstgate.engine.EngineConfig;
import dev.burstgate.engine.model.ModelShape;
import dev.burstgate.engine.model.TinyModelGenerator;
import dev.burstgate.engine.server.LocalEngineServer;
import dev.burstgate.engine.server.ServerOptions;
import dev.burstgate.gateway.tier.SimulatedNodes;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Simulated remote tiers for the demo and for trying Burstgate without any backend: local-engine servers on loopback,
 * each with its own generated tiny model (different seeds, so each tier answers differently), started on first use.
 * Two nodes form the cloud pool, one more plays the legacy API. They answer real OpenAI requests with real (random)
 * inference and are priced like the tiers they stand in for.
 */
public final class EngineSimulatedNodes implements SimulatedNodes, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EngineSimulatedNodes.class);
    private static final int CLOUD_NODES = 2;

    private final Path modelDir;
    private final List<LocalEngineServer> cloud = new ArrayList<>();
    private @Nullable LocalEngineServer legacy;

    public EngineSimulatedNodes(Path modelDir) {
        this.modelDir = modelDir;
    }

    @Override
    public synchronized List<URI> cloudNodes() {
        if (cloud.isEmpty()) {
            for (int i = 0; i < CLOUD_NODES; i++) {
                cloud.add(start(101 + i, "simulated-cloud-" + (i + 1)));
            }
        }
        return cloud.stream().map(LocalEngineServer::baseUri).toList();
    }

    @Override
    public synchronized URI legacyNode() {
        if (legacy == null) {
            legacy = start(201, "simulated-legacy");
        }
        return legacy.baseUri();
    }

    /** The running simulated servers (for tests that stop one). */
    public synchronized List<LocalEngineServer> cloudServers() {
        return List.copyOf(cloud);
    }

    private LocalEngineServer start(long seed, String id) {
        Path model = new TinyModelGenerator(ModelShape.TINY, seed).ensure(modelDir);
        LocalEngineServer server = LocalEngineServer.start(
                EngineConfig.builder()
                        .modelPath(model)
                        .parallel(2)
                        .threads(1)
                        .contextSize(2048)
                        .maxQueue(16)
                        .build(),
                ServerOptions.loopback(0).withModelId(id));
        log.info("simulated node '{}' serving {} at {}", id, model.getFileName(), server.baseUri());
        return server;
    }

    @Override
    public synchronized void close() {
        for (LocalEngineServer s : cloud) {
            s.close();
        }
        cloud.clear();
        if (legacy != null) {
            legacy.close();
            legacy = null;
        }
    }
}
