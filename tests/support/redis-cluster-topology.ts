/** How many hash slots a Redis Cluster has; every key maps to one (`keySlot`). */
export const slotCount = 16_384;

/** One line of `CLUSTER NODES`, as the node that answered sees that node. */
export interface ClusterNodeView {
  id: string;
  port: number;
  role: 'master' | 'replica';
  /** The id of the master a replica follows; null for a master. */
  masterId: string | null;
  /** The node is `myself`, the one that answered. */
  myself: boolean;
  /** Flagged failing (`fail` or `fail?`), still shaking hands, or without an address. */
  unhealthy: boolean;
  /** How many slots the node serves (0 for replicas). */
  slots: number;
}

/**
 * Parses `CLUSTER NODES`: `<id> <ip:port@cport[,hostname]> <flags> <master> <ping-sent>
 * <pong-recv> <config-epoch> <link-state> <slot or range>…`.
 */
export function parseClusterNodes(text: string): ClusterNodeView[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length > 0)
    .map((line) => {
      const [id = '', address = '', flagList = '', master = '-', ...rest] = line.split(' ');
      const flags = flagList.split(',');
      const port = Number(/:(\d+)@/.exec(address)?.[1] ?? Number.NaN);
      return {
        id,
        port,
        role: flags.includes('master') ? 'master' : 'replica',
        masterId: master === '-' ? null : master,
        myself: flags.includes('myself'),
        unhealthy: flags.some((flag) => ['fail', 'fail?', 'handshake', 'noaddr'].includes(flag)),
        slots: rest.slice(4).reduce((sum, range) => sum + slotsInRange(range), 0),
      };
    });
}

/** `CLUSTER INFO` as name → value (`cluster_state` → `ok`). */
export function parseClusterInfo(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split('\n')) {
    const separator = line.indexOf(':');
    if (separator > 0) fields.set(line.slice(0, separator), line.slice(separator + 1).trim());
  }
  return fields;
}

/**
 * Whether `CLUSTER INFO` says the node serves the whole key space: state ok, every slot assigned
 * to a node it does not consider failing, and `knownNodes` nodes in its table.
 */
export function servesEverySlot(info: Map<string, string>, knownNodes: number): boolean {
  return (
    info.get('cluster_state') === 'ok' &&
    info.get('cluster_slots_assigned') === String(slotCount) &&
    info.get('cluster_slots_ok') === String(slotCount) &&
    info.get('cluster_known_nodes') === String(knownNodes)
  );
}

/** The port of the master that serves `slot`, from a `CLUSTER SLOTS` reply; null if none does. */
export function masterPortOfSlot(slotsReply: unknown, slot: number): number | null {
  if (!Array.isArray(slotsReply)) return null;
  for (const entry of slotsReply) {
    if (!Array.isArray(entry)) continue;
    const [start, end, master] = entry as [unknown, unknown, unknown];
    if (Number(start) <= slot && slot <= Number(end) && Array.isArray(master)) {
      return Number(master[1]);
    }
  }
  return null;
}

/** `0-5460` → 5461, `42` → 1; migrating/importing markers (`[…]`) own no slot yet. */
function slotsInRange(range: string): number {
  if (range.startsWith('[')) return 0;
  const [first, last = first] = range.split('-').map(Number);
  return first === undefined || last === undefined ? 0 : last - first + 1;
}
