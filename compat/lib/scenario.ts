/**
 * What the runner (compat/run.ts) hands a scenario, for the TypeScript client scripts. The Python
 * and shell scripts read the same environment variables directly:
 *
 *   RUNNEL_BOOTSTRAP  host:port to bootstrap from (the broker's advertised listener)
 *   RUNNEL_TOPIC      a topic name unique to this client and scenario
 *   RUNNEL_NODE_ID    the node id the broker must report (1 unless configured otherwise)
 *
 * and, for the SASL scripts that also run over SASL_SSL (Scenario.scripts), see saslTransport():
 *
 *   RUNNEL_SECURITY_PROTOCOL  SASL_PLAINTEXT (the default) or SASL_SSL
 *   RUNNEL_SSL_CA             a PEM file of the CA the client trusts
 */
import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';

export interface ScenarioEnv {
  bootstrap: string;
  /** Host and port the broker must advertise in Metadata / DescribeCluster. */
  host: string;
  port: number;
  nodeId: number;
  topic: string;
}

export function scenarioEnv(): ScenarioEnv {
  const bootstrap = required('RUNNEL_BOOTSTRAP');
  const topic = required('RUNNEL_TOPIC');
  const m = /^(.*):(\d+)$/.exec(bootstrap);
  if (!m) throw new Error(`RUNNEL_BOOTSTRAP is not host:port: ${bootstrap}`);
  return { bootstrap, host: m[1], port: Number(m[2]), nodeId: Number(process.env.RUNNEL_NODE_ID ?? 1), topic };
}

export interface SaslTransport {
  protocol: 'SASL_PLAINTEXT' | 'SASL_SSL';
  /** The CA certificate (PEM text) from RUNNEL_SSL_CA, when set. */
  ca?: string;
}

export function saslTransport(): SaslTransport {
  const protocol = process.env.RUNNEL_SECURITY_PROTOCOL || 'SASL_PLAINTEXT';
  if (protocol !== 'SASL_PLAINTEXT' && protocol !== 'SASL_SSL') throw new Error(`RUNNEL_SECURITY_PROTOCOL is not SASL_PLAINTEXT or SASL_SSL: ${protocol}`);
  const caFile = process.env.RUNNEL_SSL_CA;
  return { protocol, ...(caFile ? { ca: readFileSync(caFile, 'utf8') } : {}) };
}

function required(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set; run scenarios through compat/run.ts`);
  return v;
}

/** Throws with `message` and the actual value when `cond` is false. */
export function check(cond: unknown, message: string, actual?: unknown): asserts cond {
  if (!cond) throw new Error(actual === undefined ? message : `${message} (got ${inspect(actual, { depth: 6, breakLength: Infinity })})`);
}

export interface ClusterBroker {
  nodeId: number;
  host: string;
  port: number;
}

/**
 * What the runner hands a cluster scenario (scenarios with `cluster: true`): RUNNEL_BOOTSTRAP is
 * one broker; RUNNEL_BROKERS every broker of the cluster as `id@host:port,...`, which Metadata
 * must list.
 */
export function clusterEnv(): { bootstrap: string; topic: string; brokers: ClusterBroker[] } {
  const brokers = required('RUNNEL_BROKERS')
    .split(',')
    .map((b) => {
      const m = /^(\d+)@(.*):(\d+)$/.exec(b);
      if (!m) throw new Error(`RUNNEL_BROKERS entry is not id@host:port: ${b}`);
      return { nodeId: Number(m[1]), host: m[2], port: Number(m[3]) };
    });
  return { bootstrap: required('RUNNEL_BOOTSTRAP'), topic: required('RUNNEL_TOPIC'), brokers };
}
