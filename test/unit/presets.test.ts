/**
 * Presets: each is valid on its own, says what it promises, composes in order, and yields to
 * the application's own keys.
 */
import * as assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  ConfigError,
  PRESET_NAMES,
  presets,
  resolveProducerConfig,
  withPreset,
  type PresetName,
} from '@tandem/producer';

const servers = { 'bootstrap.servers': 'localhost:9092' } as const;
const defaults = resolveProducerConfig(servers);

describe('presets', () => {
  test('there are throughput, latency, durable, lowMemory and exactlyOnce', () => {
    assert.deepEqual([...PRESET_NAMES].sort(), ['durable', 'exactlyOnce', 'latency', 'lowMemory', 'throughput']);
  });

  /** What a preset needs besides the servers: exactlyOnce wants a transactional.id of the application's. */
  const needs = (names: readonly PresetName[]): Record<string, string> =>
    names.includes('exactlyOnce') ? { 'transactional.id': 'orders-1' } : {};

  for (const name of PRESET_NAMES) {
    test(`${name} passes validation on its own, and its values are applied as given`, () => {
      const c = resolveProducerConfig({ ...servers, ...needs([name]), preset: name });
      assert.deepEqual(c.presets, [name]);
      for (const [key, value] of Object.entries(presets[name])) {
        assert.ok(c.explicitKeys.has(key), `${key} counts as set`);
        const resolved = (c as unknown as Record<string, unknown>)[key];
        assert.equal(resolved, key === 'acks' && value === 'all' ? -1 : value, key);
      }
    });
  }

  test('throughput: bigger batches, a longer linger, lz4, and still acks=all', () => {
    const c = resolveProducerConfig({ ...servers, preset: 'throughput' });
    assert.ok(c['batch.size'] >= 65536 && c['batch.size'] <= 262144);
    assert.ok(c['linger.ms'] >= 10 && c['linger.ms'] <= 50);
    assert.equal(c['compression.type'], 'lz4');
    assert.ok(c['buffer.memory'] >= c['batch.size'] * 256, 'enough slabs for many partitions');
    assert.equal(c.acks, -1);
    assert.equal(c['enable.idempotence'], true);
  });

  test('latency: no linger, no compression', () => {
    const c = resolveProducerConfig({ ...servers, preset: 'latency' });
    assert.equal(c['linger.ms'], 0);
    assert.equal(c['compression.type'], 'none');
    assert.ok(c['batch.size'] <= defaults['batch.size']);
  });

  test('durable: acks=all, idempotence, at most 5 in flight, a longer delivery timeout', () => {
    const c = resolveProducerConfig({ ...servers, preset: 'durable' });
    assert.equal(c.acks, -1);
    assert.equal(c['enable.idempotence'], true);
    assert.ok(c['max.in.flight.requests.per.connection'] <= 5);
    assert.ok(c['delivery.timeout.ms'] > defaults['delivery.timeout.ms']);
  });

  test('lowMemory: a smaller buffer and smaller batches than the defaults', () => {
    const c = resolveProducerConfig({ ...servers, preset: 'lowMemory' });
    assert.ok(c['buffer.memory'] < defaults['buffer.memory']);
    assert.ok(c['batch.size'] < defaults['batch.size']);
    assert.ok(c['buffer.memory'] >= c['max.request.size'], 'a max-size record still fits');
  });

  test('exactlyOnce: transactional settings, and a ConfigError naming transactional.id without one', () => {
    const c = resolveProducerConfig({ ...servers, preset: 'exactlyOnce', 'transactional.id': 'orders-1' });
    assert.equal(c['transactional.id'], 'orders-1');
    assert.equal(c.acks, -1);
    assert.equal(c['enable.idempotence'], true);
    assert.ok(c['max.in.flight.requests.per.connection'] <= 5);
    assert.ok(c['transaction.timeout.ms'] < defaults['transaction.timeout.ms'], 'an abandoned transaction blocks read_committed readers for less');
    assert.throws(
      () => resolveProducerConfig({ ...servers, preset: 'exactlyOnce' }),
      (err: unknown) => err instanceof ConfigError && err.key === 'transactional.id' && /exactlyOnce/.test(err.message),
    );
    assert.throws(
      () => resolveProducerConfig({ ...servers, preset: 'exactlyOnce', 'transactional.id': 'x', acks: 1 }),
      (err: unknown) => err instanceof ConfigError && err.key === 'acks' && /preset 'exactlyOnce'/.test(err.message),
    );
  });

  test("the application's keys win over the preset's", () => {
    const c = resolveProducerConfig({ ...servers, preset: 'throughput', 'linger.ms': 50, 'compression.type': 'zstd' });
    assert.equal(c['linger.ms'], 50);
    assert.equal(c['compression.type'], 'zstd');
    assert.equal(c['batch.size'], presets.throughput['batch.size']);
  });

  test('presets compose in order: the later one wins', () => {
    const lowThenFast = resolveProducerConfig({ ...servers, preset: ['lowMemory', 'throughput'] });
    const fastThenLow = resolveProducerConfig({ ...servers, preset: ['throughput', 'lowMemory'] });
    assert.equal(lowThenFast['batch.size'], presets.throughput['batch.size']);
    assert.equal(fastThenLow['batch.size'], presets.lowMemory['batch.size']);
    assert.equal(fastThenLow['linger.ms'], presets.throughput['linger.ms'], 'keys only the first sets survive');
  });

  test('every pair of presets composes into a valid config', () => {
    for (const a of PRESET_NAMES) {
      for (const b of PRESET_NAMES) resolveProducerConfig({ ...servers, ...needs([a, b]), preset: [a, b] });
    }
  });

  test('a preset value counts as explicit: durable + acks=1 is a ConfigError naming acks and the preset', () => {
    assert.throws(
      () => resolveProducerConfig({ ...servers, preset: 'durable', acks: 1 }),
      (err: unknown) => err instanceof ConfigError && err.key === 'acks' && /preset 'durable'/.test(err.message),
    );
  });

  test('the same override without the preset only turns idempotence off, as Java', () => {
    assert.equal(resolveProducerConfig({ ...servers, acks: 1 })['enable.idempotence'], false);
  });

  test('withPreset(name, overrides) is the same as the preset key', () => {
    const a = resolveProducerConfig(withPreset('throughput', { ...servers, 'linger.ms': 30, 'client.id': 'x' }));
    const b = resolveProducerConfig({ ...servers, preset: 'throughput', 'linger.ms': 30, 'client.id': 'x' });
    assert.deepEqual({ ...a, explicitKeys: [...a.explicitKeys].sort() }, { ...b, explicitKeys: [...b.explicitKeys].sort() });
  });

  test('withPreset puts its presets before those of the overrides', () => {
    const config = withPreset(['lowMemory'], { ...servers, preset: 'durable' });
    assert.deepEqual(config.preset, ['lowMemory', 'durable']);
  });

  test('an unknown preset is a ConfigError naming preset', () => {
    assert.throws(
      () => resolveProducerConfig({ ...servers, preset: 'fast' as PresetName }),
      (err: unknown) => err instanceof ConfigError && err.key === 'preset' && /'throughput'/.test(err.message),
    );
  });

  test('presets cannot be changed by accident', () => {
    assert.ok(Object.isFrozen(presets));
    for (const name of PRESET_NAMES) assert.ok(Object.isFrozen(presets[name]), name);
  });
});
