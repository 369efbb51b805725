import { api, live } from './api.js';
import { chart, color } from './chart.js';
import { fmtBytes, fmtNum, h, status, table } from './dom.js';

interface Sample {
  t: number;
  bytesIn: number;
  recordsIn: number;
  bytesOut: number;
  connections: number;
}

export function overviewPage(root: HTMLElement): () => void {
  const msg = h('p', { class: 'status', role: 'status' });
  const cards = h('div', { class: 'cards' });
  const brokers = h('section', { 'aria-labelledby': 'brokers-h' });
  const bytes = chart('Bytes per second, in and out', [
    { label: 'in', color: color(0) },
    { label: 'out', color: color(1) },
  ], { yFormat: (v) => fmtBytes(v) });
  const records = chart('Records in per second', [{ label: 'records in', color: color(2) }]);
  root.append(h('h1', {}, 'Overview'), msg, cards, h('section', { class: 'charts' }, bytes.el, records.el), brokers);
  let samples: Sample[] = [];
  const draw = (): void => {
    const x = samples.map((s) => s.t / 1000);
    bytes.set(x, [samples.map((s) => s.bytesIn), samples.map((s) => s.bytesOut)]);
    records.set(x, [samples.map((s) => s.recordsIn)]);
  };
  const card = (label: string, value: string | number, warn = false): HTMLElement => h('div', { class: `card${warn ? ' warn' : ''}` }, h('span', { class: 'label' }, label), h('strong', {}, String(value)));
  const load = async (): Promise<void> => {
    try {
      const o = await api('/overview');
      const groups = Object.entries(o.groups as Record<string, number>);
      cards.replaceChildren(
        card('Brokers', o.brokers.length),
        card('Topics', fmtNum(o.topics)),
        card('Partitions', fmtNum(o.partitions)),
        card('Under-replicated', o.underReplicated, o.underReplicated > 0),
        card('Offline', o.offline, o.offline > 0),
        card('Connections', o.connections),
        card('Consumer groups', groups.length === 0 ? '0' : groups.map(([s, n]) => `${n} ${s}`).join(', ')),
      );
      brokers.replaceChildren(
        h('h2', { id: 'brokers-h' }, 'Brokers'),
        table(
          ['Id', 'Host', 'Port', 'Rack', 'Role', 'State'],
          (o.brokers as Array<{ id: number; host: string; port: number; rack: string | null; up: boolean }>).map((b) => [b.id, b.host, b.port, b.rack ?? '–', b.id === o.controller ? 'controller' : 'broker', b.up ? 'up' : 'down']),
          `Cluster ${o.clusterId}${o.readOnly ? ' (console is read-only)' : ''}`,
        ),
      );
      if (samples.length === 0) {
        samples = o.traffic;
        draw();
      }
      status(msg, '');
    } catch (e) {
      status(msg, `Could not load the overview: ${(e as Error).message}`, 'error');
    }
  };
  void load();
  const refresh = window.setInterval(load, 5000);
  const feed = live('overview', (m) => {
    if (m.type !== 'traffic') return;
    if (samples.length > 0 && samples[samples.length - 1].t >= m.sample.t) return;
    samples = [...samples.slice(-599), m.sample];
    draw();
  });
  return () => {
    clearInterval(refresh);
    feed.close();
    bytes.destroy();
    records.destroy();
  };
}
