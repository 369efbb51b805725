import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../util/fs.js';
import { parseProperties } from '../config/properties.js';
import { ConfigError } from '../config/config.js';
import { randomClusterId } from './uuid.js';

export interface ClusterMeta {
  clusterId: string;
  nodeId: number;
}

/**
 * meta.properties in the data directory, as Kafka keeps it: the cluster id is generated on the
 * first start and never changes; a data directory written by another node id is refused.
 */
/** A broker without a data directory (storage: 'memory') gets a new cluster id at every start. */
export function ephemeralClusterMeta(nodeId: number): ClusterMeta {
  return { clusterId: randomClusterId(), nodeId };
}

export async function loadClusterMeta(dir: string, nodeId: number): Promise<ClusterMeta> {
  const path = join(dir, 'meta.properties');
  let text: string | undefined;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  if (text !== undefined) {
    const props = parseProperties(text);
    const clusterId = props.get('cluster.id');
    const stored = props.get('node.id');
    if (!clusterId) throw new ConfigError(`${path} has no cluster.id`);
    if (stored !== undefined && Number(stored) !== nodeId)
      throw new ConfigError(`${path} belongs to node.id ${stored}, but this broker is node.id ${nodeId}`);
    return { clusterId, nodeId };
  }
  const meta = { clusterId: randomClusterId(), nodeId };
  await writeFileAtomic(path, `# Written by Runnel on first start. Do not edit.\nversion=1\ncluster.id=${meta.clusterId}\nnode.id=${nodeId}\n`);
  return meta;
}

/**
 * A broker joining a cluster takes the cluster id from the control state; a data directory that
 * belongs to another cluster is refused (Kafka's InconsistentClusterIdException), not reused.
 */
export async function adoptClusterMeta(dir: string, nodeId: number, clusterId: string): Promise<ClusterMeta> {
  const path = join(dir, 'meta.properties');
  const text = await readFile(path, 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  });
  if (text !== undefined) {
    const props = parseProperties(text);
    const stored = props.get('cluster.id');
    if (stored && stored !== clusterId)
      throw new ConfigError(`${path} belongs to cluster ${stored}, but the cluster in etcd is ${clusterId}: this data directory is another cluster's`);
    const storedNode = props.get('node.id');
    if (storedNode !== undefined && Number(storedNode) !== nodeId)
      throw new ConfigError(`${path} belongs to node.id ${storedNode}, but this broker is node.id ${nodeId}`);
    if (stored) return { clusterId, nodeId };
  }
  await writeFileAtomic(path, `# Written by Runnel on first start. Do not edit.\nversion=1\ncluster.id=${clusterId}\nnode.id=${nodeId}\n`);
  return { clusterId, nodeId };
}
