import { api, enc } from './api.js';
import { debounce, field, fmtBytes, fmtNum, h, status, table } from './dom.js';

/** k=v lines (or commas) as an object; blank lines are skipped. */
export function parsePairs(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split(/\n|,/)) {
    const t = line.trim();
    if (!t) continue;
    const eq = t.indexOf('=');
    if (eq <= 0) throw new Error(`'${t}' is not key=value`);
    out[t.slice(0, eq).trim()] = t.slice(eq + 1).trim();
  }
  return out;
}

export function topicsPage(root: HTMLElement): () => void {
  const msg = h('p', { class: 'status', role: 'status', 'aria-live': 'polite' });
  const search = h('input', { type: 'search', placeholder: 'part of a name', autocomplete: 'off' });
  const internal = h('input', { type: 'checkbox' });
  const list = h('div');
  const count = h('p', { class: 'muted', 'aria-live': 'polite' });

  const name = h('input', { required: true, pattern: '[a-zA-Z0-9._\\-]+', maxlength: 249, autocomplete: 'off' });
  const partitions = h('input', { type: 'number', min: 1, value: 1, required: true });
  const rf = h('input', { type: 'number', min: 1, value: 1, required: true });
  const configs = h('textarea', { rows: 2, placeholder: 'retention.ms=86400000' });
  const create = h(
    'form',
    { class: 'inline-form changes', 'aria-labelledby': 'create-h' },
    h('h2', { id: 'create-h' }, 'Create a topic'),
    field('Topic name', name),
    field('Partitions', partitions),
    field('Replication factor', rf),
    field('Configs', configs, 'key=value, one per line'),
    h('button', { type: 'submit' }, 'Create topic'),
  );
  create.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      await api('/topics', { method: 'POST', body: { name: name.value.trim(), partitions: Number(partitions.value), replicationFactor: Number(rf.value), configs: parsePairs(configs.value) } });
      status(msg, `Created topic ${name.value.trim()}.`);
      search.value = name.value.trim();
      name.value = '';
      void load();
    } catch (err) {
      status(msg, `Could not create the topic: ${(err as Error).message}`, 'error');
    }
  });

  root.append(
    h('h1', {}, 'Topics'),
    msg,
    h('div', { class: 'toolbar', role: 'search' }, field('Search topics', search), h('div', { class: 'field check' }, internal, h('label', { for: (internal.id = 'show-internal') }, 'Show internal topics'))),
    count,
    list,
    create,
  );

  const load = async (): Promise<void> => {
    try {
      const res = await api<{ total: number; topics: any[] }>(`/topics?limit=1000&q=${enc(search.value.trim())}`);
      const rows = res.topics.filter((t) => internal.checked || !t.internal);
      count.textContent = res.total > res.topics.length ? `Showing ${res.topics.length} of ${fmtNum(res.total)} topics: search to narrow.` : `${rows.length} topic${rows.length === 1 ? '' : 's'}`;
      list.replaceChildren(
        table(
          ['Topic', 'Partitions', 'Replication', 'Size', 'Records', 'In /s', 'Out /s'],
          rows.map((t) => [h('a', { href: `#/topics/${enc(t.name)}` }, t.name), t.partitions, t.replicationFactor, fmtBytes(t.size), fmtNum(t.records), fmtBytes(t.bytesInPerSec), fmtBytes(t.bytesOutPerSec)]),
          'Topics',
        ),
      );
    } catch (err) {
      status(msg, (err as Error).message, 'error');
    }
  };
  search.addEventListener('input', debounce(load, 200));
  internal.addEventListener('change', load);
  void load();
  const t = window.setInterval(load, 5000);
  return () => clearInterval(t);
}
