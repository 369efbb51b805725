import { api } from './api.js';
import { fmtDuration, fmtTime, h, status, table } from './dom.js';

export function transactionsPage(root: HTMLElement): () => void {
  const msg = h('p', { class: 'status', role: 'status' });
  const body = h('div');
  root.append(h('h1', {}, 'Transactions'), msg, body, h('p', {}, 'Producers per partition are on each topic’s page (Producers).'));
  const load = async (): Promise<void> => {
    try {
      const txns = await api<any[]>('/transactions');
      body.replaceChildren(
        txns.length === 0
          ? h('p', {}, 'No transactional producers.')
          : table(
              ['Transactional id', 'State', 'Producer id', 'Epoch', 'Timeout', 'Open for', 'Partitions'],
              txns.map((t) => [t.transactionalId, t.state, t.producerId, t.epoch, fmtDuration(t.timeoutMs), t.startTimeMs > 0 && t.state === 'Ongoing' ? fmtDuration(Date.now() - t.startTimeMs) : '–', t.partitions.join(', ') || '–']),
              'Transactions',
            ),
      );
      status(msg, '');
    } catch (e) {
      status(msg, (e as Error).message, 'error');
    }
  };
  void load();
  const t = window.setInterval(load, 3000);
  return () => clearInterval(t);
}
void fmtTime;
