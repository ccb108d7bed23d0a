package dev.burstgate.gateway.budget;

import java.util.List;
import org.springframework.data.redis.core.script.RedisScript;

/**
 * The Lua scripts of {@link RedisBudgetStore}. Redis runs a script atomically, so each is one indivisible step across
 * every gateway instance. Amounts are whole nano-dollars; Redis counts them with 64-bit {@code HINCRBY} and the
 * scripts compare them as Lua numbers (doubles, exact below 2⁵³ nano-dollars ≈ $9 million, see
 * {@link BudgetLimits#MAX}). Scripts return only integers. All keys of a tenant share the hash tag {@code {tenant}},
 * so they live in one Redis Cluster slot.
 *
 * <p>Every reservation is also written to the tenant's open-reservations hash ({@code id → nanos|day|month}) with a
 * lease deadline in a sorted set; a reservation whose gateway died before settling it is given back ("reaped") by
 * the next state read or reservation of the tenant once its lease has passed. A settle after its lease only adds the
 * spend.
 */
final class RedisScripts {

    private RedisScripts() {}

    /**
     * Gives back reservations whose lease passed. Uses KEYS[4] (open reservations), KEYS[5] (leases), ARGV[1] (now,
     * epoch ms) and ARGV[2] (the tenant's key prefix, e.g. {@code burstgate:budget:{acme}:}).
     */
    private static final String REAP = """
      local expired = redis.call('ZRANGEBYSCORE', KEYS[5], '-inf', ARGV[1], 'LIMIT', 0, 64)
      for _, id in ipairs(expired) do
        local held = redis.call('HGET', KEYS[4], id)
        if held then
          local amount, day, month = string.match(held, '^(%d+)|([^|]+)|([^|]+)$')
          if amount and amount ~= '0' then
            local dk = ARGV[2] .. 'day:' .. day
            local mk = ARGV[2] .. 'month:' .. month
            if redis.call('EXISTS', dk) == 1 then redis.call('HINCRBY', dk, 'reserved', '-' .. amount) end
            if redis.call('EXISTS', mk) == 1 then redis.call('HINCRBY', mk, 'reserved', '-' .. amount) end
          end
          redis.call('HDEL', KEYS[4], id)
        end
        redis.call('ZREM', KEYS[5], id)
      end
      """;

    /**
     * The current state. KEYS: 1 day counters, 2 month counters, 3 limit overrides, 4 open reservations, 5 leases.
     * ARGV: 1 now (epoch ms), 2 tenant key prefix. Returns {day spent, day reserved, month spent, month reserved,
     * daily override, monthly override}; an override is -2 when none is set, -1 when it is "no limit".
     */
    static final RedisScript<List> STATE = RedisScript.of(REAP + """
      local d = redis.call('HMGET', KEYS[1], 'spent', 'reserved')
      local m = redis.call('HMGET', KEYS[2], 'spent', 'reserved')
      local l = redis.call('HMGET', KEYS[3], 'daily', 'monthly')
      local function override(v)
        if not v then return -2 end
        if v == 'none' then return -1 end
        return tonumber(v)
      end
      return {tonumber(d[1]) or 0, tonumber(d[2]) or 0, tonumber(m[1]) or 0, tonumber(m[2]) or 0,
              override(l[1]), override(l[2])}
      """, List.class);

    /**
     * Reserves. KEYS: 1 day counters, 2 month counters, 3 limit overrides, 4 open reservations, 5 leases. ARGV: 1 now
     * (epoch ms), 2 tenant key prefix, 3 amount, 4 configured daily limit ('' for none), 5 configured monthly limit,
     * 6 day counters expire at (epoch ms), 7 month counters expire at, 8 reservation id, 9 lease deadline (epoch ms),
     * 10 '1' to grant past the limits, 11 day ({@code 2026-11-29}), 12 month ({@code 2026-11}), 13 how long the
     * reservation bookkeeping lives (ms). Returns {1, 0, 0, 0} when granted, {0, period (1 daily, 2 monthly), limit,
     * spent + reserved} when denied.
     */
    static final RedisScript<List> RESERVE = RedisScript.of(REAP + """
      local function limit(field, configured)
        local override = redis.call('HGET', KEYS[3], field)
        if override then
          if override == 'none' then return nil end
          return tonumber(override)
        end
        if configured == '' then return nil end
        return tonumber(configured)
      end
      local amount = tonumber(ARGV[3])
      local d = redis.call('HMGET', KEYS[1], 'spent', 'reserved')
      local m = redis.call('HMGET', KEYS[2], 'spent', 'reserved')
      local dayUsed = (tonumber(d[1]) or 0) + (tonumber(d[2]) or 0)
      local monthUsed = (tonumber(m[1]) or 0) + (tonumber(m[2]) or 0)
      if ARGV[10] ~= '1' then
        local dl = limit('daily', ARGV[4])
        if dl and dayUsed + amount > dl then return {0, 1, dl, dayUsed} end
        local ml = limit('monthly', ARGV[5])
        if ml and monthUsed + amount > ml then return {0, 2, ml, monthUsed} end
      end
      redis.call('HINCRBY', KEYS[1], 'reserved', ARGV[3])
      redis.call('HINCRBY', KEYS[2], 'reserved', ARGV[3])
      redis.call('PEXPIREAT', KEYS[1], ARGV[6])
      redis.call('PEXPIREAT', KEYS[2], ARGV[7])
      redis.call('HSET', KEYS[4], ARGV[8], ARGV[3] .. '|' .. ARGV[11] .. '|' .. ARGV[12])
      redis.call('ZADD', KEYS[5], ARGV[9], ARGV[8])
      redis.call('PEXPIRE', KEYS[4], ARGV[13])
      redis.call('PEXPIRE', KEYS[5], ARGV[13])
      return {1, 0, 0, 0}
      """, List.class);

    /**
     * Settles (or, with actual cost 0, releases). KEYS: 1 the reservation's day counters, 2 its month counters, 3 open
     * reservations, 4 leases. ARGV: 1 reservation id, 2 reserved amount, 3 actual cost, 4 day counters expire at
     * (epoch ms), 5 month counters expire at. Returns 1 when the reservation was open, 0 when its lease had passed
     * (it was given back already; only the spend is added).
     */
    static final RedisScript<Long> SETTLE = RedisScript.of("""
      local open = redis.call('HDEL', KEYS[3], ARGV[1])
      redis.call('ZREM', KEYS[4], ARGV[1])
      if open == 1 and ARGV[2] ~= '0' then
        redis.call('HINCRBY', KEYS[1], 'reserved', '-' .. ARGV[2])
        redis.call('HINCRBY', KEYS[2], 'reserved', '-' .. ARGV[2])
      end
      if ARGV[3] ~= '0' then
        redis.call('HINCRBY', KEYS[1], 'spent', ARGV[3])
        redis.call('HINCRBY', KEYS[2], 'spent', ARGV[3])
      end
      redis.call('PEXPIREAT', KEYS[1], ARGV[4])
      redis.call('PEXPIREAT', KEYS[2], ARGV[5])
      return open
      """, Long.class);
}
