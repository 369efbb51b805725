/**
 * Configuration: server.properties parsing, key validation, notices for unknown and Kafka-only
 * keys, derived values (retention, node id), meta.properties and the start-up time.
 */
import { describe, it, expect, afterAll } from 'vitest';
import { mkdtemp, rm, writeFile, readFile, readdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import { freePort } from '../helpers/ports.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { parseProperties } from '../../src/config/properties.js';
import { BrokerConfig, ConfigError } from '../../src/config/config.js';
import { startBroker } from '../../src/broker.js';

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'runnel-config-test-'));
  dirs.push(d);
  return d;
}
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError, nothing was thrown');
}

/** Whether something listens on 127.0.0.1:port (we cannot bind it). */
async function portTaken(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(true));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(false)));
  });
}

describe('server.properties parsing', () => {
  it('reads key=value, key: value and key value; skips # and ! comments and blank lines', () => {
    const p = parseProperties(
      ['# a comment', '! another comment', '', '   ', 'k1=v1', 'k2 = v2', 'k3:v3', 'k4 : v4', 'k5 v5', '   indented.key=yes', '   # indented comment'].join('\n'),
    );
    expect([...p]).toEqual([
      ['k1', 'v1'],
      ['k2', 'v2'],
      ['k3', 'v3'],
      ['k4', 'v4'],
      ['k5', 'v5'],
      ['indented.key', 'yes'],
    ]);
  });

  it('keeps the rest of the line as the value, separators included', () => {
    const p = parseProperties('listeners=PLAINTEXT://:9092\nadvertised.listeners: PLAINTEXT://h:1\nk = = v\nurl=http://a/b?c=d');
    expect(p.get('listeners')).toBe('PLAINTEXT://:9092');
    expect(p.get('advertised.listeners')).toBe('PLAINTEXT://h:1');
    expect(p.get('k')).toBe('= v');
    expect(p.get('url')).toBe('http://a/b?c=d');
  });

  it('joins continuation lines, dropping the leading whitespace of the next line', () => {
    const p = parseProperties('multi=first, \\\n     second, \\\n\tthird\nafter=1\nlong.key\\\n  .continued=2');
    expect(p.get('multi')).toBe('first, second, third');
    expect(p.get('after')).toBe('1');
    expect(p.get('long.key.continued')).toBe('2');
  });

  it('an escaped backslash at the end of a line is not a continuation; a comment never continues', () => {
    const p = parseProperties('dir=C:\\\\data\\\\\nnext=n\n# comment \\\nafter.comment=1');
    expect(p.get('dir')).toBe('C:\\data\\');
    expect(p.get('next')).toBe('n');
    expect(p.get('after.comment')).toBe('1');
    expect(p.size).toBe(3);
  });

  it('unescapes \\t \\n \\uXXXX and escaped separators in keys', () => {
    const p = parseProperties('tab=a\\tb\nnl=a\\nb\nuni=\\u0041\\u00e9C\ncolon\\:key=v\neq\\=key=v2\nspace\\ key=v3\nother=\\q');
    expect(p.get('tab')).toBe('a\tb');
    expect(p.get('nl')).toBe('a\nb');
    expect(p.get('uni')).toBe('AéC');
    expect(p.get('colon:key')).toBe('v');
    expect(p.get('eq=key')).toBe('v2');
    expect(p.get('space key')).toBe('v3');
    expect(p.get('other')).toBe('q');
  });

  it('handles CRLF line endings, empty values, bare keys and later duplicates', () => {
    const p = parseProperties('a=1\r\nb=\r\nbare\r\na=2\r\n');
    expect(p.get('a')).toBe('2');
    expect(p.get('b')).toBe('');
    expect(p.get('bare')).toBe('');
  });

  it('BrokerConfig.fromFile reads a file and applies overrides after it', async () => {
    const dir = await tempDir();
    const file = join(dir, 'server.properties');
    await writeFile(file, '# Kafka style\nnode.id=4\nnum.partitions = 6\nnum.network.threads=3\nlisteners=PLAINTEXT://127.0.0.1:9999\n');
    const cfg = BrokerConfig.fromFile(file, new Map([['num.partitions', '2']]));
    expect(cfg.nodeId).toBe(4);
    expect(cfg.int('num.partitions')).toBe(2);
    expect(cfg.listeners()).toEqual([{ name: 'PLAINTEXT', host: '127.0.0.1', port: 9999, securityProtocol: 'PLAINTEXT' }]);
    expect(cfg.notices.some((n) => n.level === 'info' && n.message.includes('num.network.threads'))).toBe(true);
  });

  it('a missing file is a ConfigError naming the file', () => {
    const err = configError(() => BrokerConfig.fromFile('/nonexistent/runnel/server.properties'));
    expect(err.message).toContain('/nonexistent/runnel/server.properties');
  });

  it('an invalid value in a file is a ConfigError naming the key', async () => {
    const dir = await tempDir();
    const file = join(dir, 'bad.properties');
    await writeFile(file, 'num.partitions=many\n');
    expect(configError(() => BrokerConfig.fromFile(file)).message).toContain('num.partitions');
  });
});

describe('notices', () => {
  it('an unknown key is a warning that names it', () => {
    const cfg = new BrokerConfig({ 'no.such.key': 'x' });
    expect(cfg.notices).toHaveLength(1);
    expect(cfg.notices[0].level).toBe('warn');
    expect(cfg.notices[0].message).toContain('no.such.key');
  });

  it('a Kafka-only key (num.network.threads, process.roles, ...) is an info notice, not a warning', () => {
    const cfg = new BrokerConfig({ 'num.network.threads': 3, 'process.roles': 'broker,controller', 'controller.quorum.voters': '1@localhost:9093' });
    expect(cfg.notices).toHaveLength(3);
    expect(cfg.notices.every((n) => n.level === 'info')).toBe(true);
    expect(cfg.notices[0].message).toContain('num.network.threads');
  });

  it('known keys produce no notice', () => {
    expect(new BrokerConfig({ 'num.partitions': 3, 'node.id': 1, 'log.retention.hours': 1 }).notices).toEqual([]);
  });

  it('startBroker logs the notices', async () => {
    const lines: Array<{ level: number; msg: string }> = [];
    const logger = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s)) });
    const b = await startBroker({ port: 0, logger, config: { 'bogus.key': 1, 'num.io.threads': 8 } });
    await b.close();
    expect(lines.some((l) => l.level === 40 && l.msg.includes('bogus.key'))).toBe(true);
    expect(lines.some((l) => l.level === 30 && l.msg.includes('num.io.threads'))).toBe(true);
    expect(lines.some((l) => l.msg === 'Runnel started')).toBe(true);
  });
});

describe('validation', () => {
  const bad: Array<[string, string]> = [
    ['num.partitions', 'abc'],
    ['num.partitions', '0'],
    ['num.partitions', '-1'],
    ['num.partitions', '1.5'],
    ['num.partitions', '2147483648'],
    ['node.id', '-1'],
    ['auto.create.topics.enable', 'yes'],
    ['auto.create.topics.enable', '1'],
    ['log.retention.ms', 'forever'],
    ['log.retention.ms', '9223372036854775808'],
    ['log.message.timestamp.type', 'WallClock'],
    ['compression.type', 'brotli'],
    ['socket.request.max.bytes', '0'],
    ['listeners', 'garbage'],
    ['listeners', 'PLAINTEXT://:notaport'],
    ['listeners', 'PLAINTEXT://:70000'],
    ['listeners', 'FOO://:9093'],
    ['listeners', 'PLAINTEXT://:9092,PLAINTEXT://:9093'],
    ['listeners', 'PLAINTEXT://:9092,SSL://:9092'],
    ['listener.security.protocol.map', 'PLAINTEXT:PLAINTEXT,INTERNAL:KERBEROS'],
  ];
  for (const [key, value] of bad) {
    it(`${key}=${value} is a ConfigError naming the key`, () => {
      const err = configError(() => new BrokerConfig({ [key]: value }));
      expect(err.message).toContain(key);
    });
  }

  it('an empty listeners value is a ConfigError naming listeners', () => {
    const err = configError(() => new BrokerConfig({ listeners: '' }));
    expect(err.message).toContain('listeners');
  });

  it('an invalid advertised.listeners is a ConfigError at load time', () => {
    const err = configError(() => new BrokerConfig({ 'advertised.listeners': 'garbage' }));
    expect(err.message).toContain('advertised.listeners');
  });

  it('startBroker rejects an invalid config with a ConfigError before binding', async () => {
    await expect(startBroker({ port: 0, config: { 'num.partitions': 'abc' } })).rejects.toBeInstanceOf(ConfigError);
    await expect(startBroker({ port: 0, config: { listeners: 'FOO://:9093' } })).rejects.toThrow(/listeners/);
  });

  it('startBroker with an invalid advertised.listeners rejects without leaving the port bound', async () => {
    const port = await freePort();
    const started = startBroker({ port, host: '127.0.0.1', config: { 'advertised.listeners': 'not-a-listener' } });
    await expect(started).rejects.toThrow(/advertised\.listeners/);
    // A broker that failed to start must not keep the listener open.
    expect(await portTaken(port)).toBe(false);
  });

  it('a startBroker that cannot bind rejects and leaves no temporary data directory behind', async () => {
    const privateTmp = await tempDir();
    const blocker = createServer();
    await new Promise<void>((res) => blocker.listen(0, '127.0.0.1', () => res()));
    const port = (blocker.address() as { port: number }).port;
    const saved = process.env.TMPDIR;
    process.env.TMPDIR = privateTmp; // where startBroker makes its ephemeral data directory
    try {
      await expect(startBroker({ port, host: '127.0.0.1' })).rejects.toThrow(/EADDRINUSE|in use/);
    } finally {
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
      blocker.close();
    }
    expect(await readdir(privateTmp)).toEqual([]);
  });

  it('valid values are read through the typed getters', () => {
    const cfg = new BrokerConfig({
      'num.partitions': ' 4 ',
      'auto.create.topics.enable': 'false',
      'log.flush.interval.messages': '9223372036854775807',
      'log.cleanup.policy': 'compact, delete',
      listeners: 'PLAINTEXT://[::1]:9094',
    });
    expect(cfg.int('num.partitions')).toBe(4);
    expect(cfg.bool('auto.create.topics.enable')).toBe(false);
    expect(cfg.bool('delete.topic.enable')).toBe(true); // default
    expect(cfg.num('log.flush.interval.messages')).toBe(Infinity);
    expect(cfg.long('log.flush.interval.messages')).toBe(2n ** 63n - 1n);
    expect(cfg.list('log.cleanup.policy')).toEqual(['compact', 'delete']);
    expect(cfg.listeners()).toEqual([{ name: 'PLAINTEXT', host: '::1', port: 9094, securityProtocol: 'PLAINTEXT' }]);
    expect(cfg.isSet('num.partitions')).toBe(true);
    expect(cfg.isSet('num.io.threads')).toBe(false);
  });

  it('booleans are case-insensitive, as Kafka reads them (TRUE, False)', () => {
    expect(new BrokerConfig({ 'auto.create.topics.enable': 'TRUE' }).bool('auto.create.topics.enable')).toBe(true);
    expect(new BrokerConfig({ 'delete.topic.enable': 'False' }).bool('delete.topic.enable')).toBe(false);
  });

  it('the advertised listener defaults to the listener, with localhost for a wildcard host', () => {
    expect(new BrokerConfig({ listeners: 'PLAINTEXT://0.0.0.0:9092' }).advertised()).toMatchObject({ host: 'localhost', port: 9092 });
    expect(new BrokerConfig({ listeners: 'PLAINTEXT://:9092' }).advertised(1234)).toMatchObject({ host: 'localhost', port: 1234 });
    expect(new BrokerConfig({ listeners: 'PLAINTEXT://10.1.2.3:9092' }).advertised()).toMatchObject({ host: '10.1.2.3', port: 9092 });
    expect(new BrokerConfig({ 'advertised.listeners': 'PLAINTEXT://ext.example:29092' }).advertised(1234)).toMatchObject({ host: 'ext.example', port: 29092 });
  });
});

describe('derived values', () => {
  it('retention: log.retention.ms wins over .minutes, which wins over .hours', () => {
    expect(new BrokerConfig({}).retentionMs).toBe(168 * 3_600_000);
    expect(new BrokerConfig({ 'log.retention.hours': 2 }).retentionMs).toBe(2 * 3_600_000);
    expect(new BrokerConfig({ 'log.retention.hours': 2, 'log.retention.minutes': 3 }).retentionMs).toBe(3 * 60_000);
    expect(new BrokerConfig({ 'log.retention.hours': 2, 'log.retention.minutes': 3, 'log.retention.ms': 4567 }).retentionMs).toBe(4567);
    expect(new BrokerConfig({ 'log.retention.hours': 2, 'log.retention.ms': 4567 }).retentionMs).toBe(4567);
    expect(new BrokerConfig({ 'log.retention.minutes': 3, 'log.retention.ms': -1 }).retentionMs).toBe(-1);
  });

  it('retention: any negative setting means forever (-1), as in Kafka', () => {
    expect(new BrokerConfig({ 'log.retention.hours': -1 }).retentionMs).toBe(-1);
    expect(new BrokerConfig({ 'log.retention.minutes': -1 }).retentionMs).toBe(-1);
    expect(new BrokerConfig({ 'log.retention.ms': -5 }).retentionMs).toBe(-1);
  });

  it('segment roll: log.roll.ms wins over log.roll.hours', () => {
    expect(new BrokerConfig({}).rollMs).toBe(168 * 3_600_000);
    expect(new BrokerConfig({ 'log.roll.hours': 1, 'log.roll.ms': 500 }).rollMs).toBe(500);
  });

  it('broker.id is an alias of node.id; disagreeing values are refused', () => {
    expect(new BrokerConfig({}).nodeId).toBe(1);
    expect(new BrokerConfig({ 'broker.id': 5 }).nodeId).toBe(5);
    expect(new BrokerConfig({ 'node.id': 6 }).nodeId).toBe(6);
    expect(new BrokerConfig({ 'broker.id': 6, 'node.id': 6 }).nodeId).toBe(6);
    const err = configError(() => new BrokerConfig({ 'broker.id': 5, 'node.id': 6 }));
    expect(err.message).toContain('broker.id');
    expect(err.message).toContain('node.id');
  });

  it('startBroker takes its node id from broker.id', async () => {
    const b = await startBroker({ port: 0, config: { 'broker.id': 9 } });
    try {
      expect(b.nodeId).toBe(9);
    } finally {
      await b.close();
    }
  });

  it('log.dirs wins over log.dir; both resolve to absolute paths', () => {
    expect(new BrokerConfig({ 'log.dir': '/tmp/a', 'log.dirs': '/tmp/b,/tmp/c' }).logDirs).toEqual(['/tmp/b', '/tmp/c']);
    expect(new BrokerConfig({ 'log.dir': '/tmp/a' }).logDirs).toEqual(['/tmp/a']);
    expect(new BrokerConfig({}).logDirs[0]).toMatch(/^\/.*data$/);
  });
});

describe('meta.properties', () => {
  it('is written on first start with the cluster id and node id', async () => {
    const dataDir = await tempDir();
    const b = await startBroker({ port: 0, dataDir, config: { 'node.id': 2 } });
    await b.close();
    const text = await readFile(join(dataDir, 'meta.properties'), 'utf8');
    const props = parseProperties(text);
    expect(props.get('cluster.id')).toBe(b.clusterId);
    expect(props.get('node.id')).toBe('2');
  });

  it('a restart with another node.id is refused with an error naming node.id', async () => {
    const dataDir = await tempDir();
    const b = await startBroker({ port: 0, dataDir, config: { 'node.id': 1 } });
    await b.close();
    await expect(startBroker({ port: 0, dataDir, config: { 'node.id': 2 } })).rejects.toThrow(/node\.id/);
    await expect(startBroker({ port: 0, dataDir, config: { 'broker.id': 3 } })).rejects.toBeInstanceOf(ConfigError);
    // The right node id still starts, with the same cluster id.
    const again = await startBroker({ port: 0, dataDir, config: { 'node.id': 1 } });
    expect(again.clusterId).toBe(b.clusterId);
    await again.close();
  });

  it('a meta.properties without cluster.id is refused', async () => {
    const dataDir = await tempDir();
    await writeFile(join(dataDir, 'meta.properties'), 'version=1\nnode.id=1\n');
    await expect(startBroker({ port: 0, dataDir })).rejects.toThrow(/cluster\.id/);
  });
});

describe('start-up time', () => {
  it('startBroker({port: 0}) starts well under 100 ms (asserting < 1000 ms)', async () => {
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      const b = await startBroker({ port: 0 });
      times.push(performance.now() - t0);
      await b.close();
    }
    console.log(`startBroker({port: 0}) took ${times.map((t) => t.toFixed(1)).join(', ')} ms (median ${[...times].sort((a, b) => a - b)[2].toFixed(1)} ms)`);
    for (const t of times) expect(t).toBeLessThan(1000);
  });
});

describe('typed reads of undeclared keys', () => {
  it('throw rather than read as NaN or false (a typo would silently switch a feature off)', () => {
    const cfg = new BrokerConfig({ 'num.partitions': 3 });
    expect(cfg.int('num.partitions')).toBe(3);
    expect(() => cfg.int('num.partition')).toThrow(/not declared/);
    expect(() => cfg.long('log.retention.byte')).toThrow(/not declared/);
    expect(() => cfg.bool('auto.create.topic.enable')).toThrow(/not declared/);
  });
});
