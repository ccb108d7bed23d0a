package dev.burstgate.gateway.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;

@Testcontainers
class RedisContainerIT {

    @Container
    static final GenericContainer<?> REDIS = DataServices.redis();

    static RedisClient client;
    static StatefulRedisConnection<String, String> connection;

    @BeforeAll
    static void connect() {
        client = RedisClient.create(DataServices.redisUri(REDIS));
        connection = client.connect();
    }

    @AfterAll
    static void disconnect() {
        connection.close();
        client.shutdown();
    }

    @Test
    void answersPing() {
        assertThat(connection.sync().ping()).isEqualTo("PONG");
    }

    @Test
    void storesAndReturnsAValue() {
        RedisCommands<String, String> redis = connection.sync();
        assertThat(redis.set("burstgate:probe", "0.18")).isEqualTo("OK");
        assertThat(redis.get("burstgate:probe")).isEqualTo("0.18");
    }

    @Test
    void runsLuaScriptsAtomically() {
        // Budgets reserve spend with a Lua script; this proves the server evaluates scripts.
        RedisCommands<String, String> redis = connection.sync();
        Long total = redis.eval(
                "return redis.call('INCRBY', KEYS[1], ARGV[1]) + redis.call('INCRBY', KEYS[1], ARGV[1])",
                io.lettuce.core.ScriptOutputType.INTEGER,
                new String[] {"burstgate:lua"},
                "5");
        assertThat(total).isEqualTo(5L + 10L);
    }
}
