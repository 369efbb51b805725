import { api, enc, live } from './api.js';
import { chart, color } from './chart.js';
import { field, fmtBytes, fmtNum, fmtTime, h, select, status, table } from './dom.js';
import { show, type Format } from './format.js';
import { parsePairs } from './topics.js';

interface Rec {
  partition: number;
  offset: number;
  timestamp: number;
  key: string | null;
  value: string | null;
  headers: Array<{ key: string; value: string | null }>;
  truncated?: boolean;
}

const TAIL_KEEP = 200;

/** `datetime-local` value of a unix ms time (local time), and back. */
const toLocalInput = (ms: number): string => {
  const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000);
  return d.toISOString().slice(0, 19);
};

export function topicPage(root: HTMLElement, topicParam: string): () => void {
  const topic = topicParam;
  const cleanups: Array<() => void> = [];
  const msg = h('p', { class: 'status', role: 'status', 'aria-live': 'polite' });
  const partsBox = h('div');
  const configsBox = h('div');
  const producersBox = h('div');
  let partitionCount = 0;

  // ---- actions: add partitions, delete
  const addCount = h('input', { type: 'number', min: 1 });
  const addForm = h('form', { class: 'inline-form compact' }, field('New partition count', addCount), h('button', { type: 'submit' }, 'Add partitions'));
  addForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      await api(`/topics/${enc(topic)}/partitions`, { method: 'POST', body: { count: Number(addCount.value) } });
      status(msg, `${topic} now has ${addCount.value} partitions.`);
      void loadTopic();
    } catch (err) {
      status(msg, `Could not add partitions: ${(err as Error).message}`, 'error');
    }
  });
  const confirmName = h('input', { autocomplete: 'off' });
  const dialog = h(
    'dialog',
    { 'aria-labelledby': 'del-h' },
    h(
      'form',
      { method: 'dialog' },
      h('h2', { id: 'del-h' }, `Delete topic ${topic}?`),
      h('p', {}, 'Its records are gone for good. Type the topic name to confirm.'),
      field('Topic name to confirm', confirmName),
      h('div', { class: 'buttons' }, h('button', { value: 'cancel', type: 'submit' }, 'Cancel'), h('button', { value: 'delete', type: 'submit', class: 'danger' }, 'Delete topic')),
    ),
  );
  dialog.addEventListener('close', async () => {
    if (dialog.returnValue !== 'delete') return;
    if (confirmName.value !== topic) return status(msg, 'The name typed does not match: nothing deleted.', 'error');
    try {
      await api(`/topics/${enc(topic)}`, { method: 'DELETE' });
      location.hash = '#/topics';
    } catch (err) {
      status(msg, `Could not delete the topic: ${(err as Error).message}`, 'error');
    }
  });
  const delButton = h('button', { type: 'button', class: 'danger', onclick: () => (confirmName.value = '', dialog.showModal()) }, 'Delete topic…');

  // ---- timeline
  const timeline = chart('Records per minute (last hour, from the time index); click a bar to browse from there', [{ label: 'records', color: color(0), bars: true }], {
    height: 160,
    onClick: (x) => {
      position.value = 'timestamp';
      posValue.value = toLocalInput(x * 1000);
      syncPos();
      void browse('first');
    },
  });
  cleanups.push(() => timeline.destroy());
  const loadTimeline = async (): Promise<void> => {
    const to = Math.ceil(Date.now() / 60_000) * 60_000;
    const res = await api(`/topics/${enc(topic)}/timeline?from=${to - 3_600_000}&to=${to}&buckets=60`);
    timeline.set(
      res.buckets.map((b: any) => b.t / 1000),
      [res.buckets.map((b: any) => b.records)],
    );
  };

  // ---- message browser
  const partSel = select([['all', 'All partitions']], 'all');
  const position = select([['beginning', 'Beginning'], ['end', 'End (newest)'], ['offset', 'Offset'], ['timestamp', 'Timestamp']], 'end');
  const posValue = h('input', { type: 'text', inputmode: 'numeric', disabled: true });
  const limit = h('input', { type: 'number', min: 1, max: 500, value: 50 });
  const filter = h('input', { type: 'search', placeholder: 'text in key, value or headers' });
  const format = select([['text', 'Text'], ['json', 'JSON'], ['hex', 'Hex']], 'text');
  const records = h('div', { class: 'records', 'aria-live': 'polite' });
  const prevBtn = h('button', { type: 'button', disabled: true }, '← Older');
  const nextBtn = h('button', { type: 'button', disabled: true }, 'Newer →');
  let page: { records: Rec[]; prev: Record<string, number>; next: Record<string, number> } | undefined;
  const syncPos = (): void => {
    const v = position.value;
    posValue.disabled = v === 'beginning' || v === 'end';
    posValue.type = v === 'timestamp' ? 'datetime-local' : 'text';
    if (v === 'timestamp') posValue.step = '1';
    if (v === 'timestamp' && !posValue.value) posValue.value = toLocalInput(Date.now() - 3_600_000);
    if (v === 'offset' && !/^\d+$/.test(posValue.value)) posValue.value = '0';
  };
  position.addEventListener('change', syncPos);
  const browseForm = h(
    'form',
    { class: 'toolbar', 'aria-label': 'Message browser' },
    field('Partition', partSel),
    field('Start at', position),
    field('Offset or time', posValue),
    field('Page size', limit),
    field('Filter', filter),
    field('Show as', format),
    h('button', { type: 'submit' }, 'Show records'),
  );
  browseForm.addEventListener('submit', (e) => {
    e.preventDefault();
    void browse('first');
  });
  format.addEventListener('change', () => page && renderRecords(page.records));
  prevBtn.addEventListener('click', () => void browse('prev'));
  nextBtn.addEventListener('click', () => void browse('next'));

  const recordTable = (list: Rec[], label: string): HTMLElement => {
    const f = format.value as Format;
    return table(
      ['Partition', 'Offset', 'Timestamp', 'Key', 'Value', 'Headers'],
      list.map((r) => [
        r.partition,
        r.offset,
        h('time', { datetime: new Date(r.timestamp).toISOString() }, fmtTime(r.timestamp)),
        h('pre', {}, show(r.key, f)),
        h('pre', {}, show(r.value, f), r.truncated ? ' …(truncated)' : ''),
        r.headers.length === 0 ? '–' : h('pre', {}, r.headers.map((x) => `${x.key}: ${show(x.value, f)}`).join('\n')),
      ]),
      label,
    );
  };
  const renderRecords = (list: Rec[]): void => {
    records.replaceChildren(list.length === 0 ? h('p', {}, 'No records here.') : recordTable(list, `Records of ${topic}`));
  };
  const browse = async (dir: 'first' | 'prev' | 'next'): Promise<void> => {
    const q = new URLSearchParams({ partitions: partSel.value, limit: limit.value || '50' });
    if (filter.value.trim()) q.set('q', filter.value.trim());
    if (dir === 'first') {
      q.set('from', position.value);
      if (position.value === 'offset') q.set('value', posValue.value.trim());
      if (position.value === 'timestamp') {
        const t = new Date(posValue.value).getTime();
        if (Number.isNaN(t)) return status(msg, 'Enter a date and time to start at.', 'error');
        q.set('value', String(t));
      }
    } else {
      if (!page) return;
      q.set('dir', dir);
      q.set('positions', JSON.stringify(dir === 'prev' ? page.prev : page.next));
    }
    try {
      page = await api(`/topics/${enc(topic)}/records?${q}`);
      renderRecords(page!.records);
      prevBtn.disabled = false;
      nextBtn.disabled = false;
      status(msg, `${page!.records.length} record${page!.records.length === 1 ? '' : 's'}${(page as any).scanLimited ? ' (the filter stopped at its read limit: page on for more)' : ''}.`);
    } catch (err) {
      status(msg, `Could not read records: ${(err as Error).message}`, 'error');
    }
  };

  // ---- live tail
  const tailBtn = h('button', { type: 'button', 'aria-pressed': 'false' }, 'Start live tail');
  const tailRate = h('input', { type: 'number', min: 1, max: 10000, value: 100 });
  const tailInfo = h('p', { class: 'muted', role: 'status' }, 'Not tailing.');
  const tailBox = h('div', { class: 'records tail' });
  let tail: ReturnType<typeof live> | undefined;
  let tailPaused = false;
  let tailRecords: Rec[] = [];
  let tailSkipped = 0;
  const renderTail = (): void => {
    tailBox.replaceChildren(recordTable([...tailRecords].reverse(), 'Live tail, newest first'));
    tailInfo.textContent = `${tailPaused ? 'Paused' : 'Tailing'}: ${tailRecords.length} shown${tailSkipped ? `, ${fmtNum(tailSkipped)} skipped to keep up` : ''}.`;
  };
  tailBtn.addEventListener('click', () => {
    if (!tail) {
      tailRecords = [];
      tailSkipped = 0;
      tailPaused = false;
      tail = live(`tail/${enc(topic)}?partitions=${partSel.value}&rate=${Number(tailRate.value) || 100}`, (m) => {
        if (m.type === 'records') tailRecords = [...tailRecords, ...m.records].slice(-TAIL_KEEP);
        else if (m.type === 'skipped') tailSkipped += m.count;
        if (m.type === 'records' || m.type === 'skipped' || m.type === 'ready') renderTail();
      });
      tailBtn.textContent = 'Pause live tail';
      tailBtn.setAttribute('aria-pressed', 'true');
      return;
    }
    tailPaused = !tailPaused;
    tail.socket.send(JSON.stringify({ type: tailPaused ? 'pause' : 'resume' }));
    tailBtn.textContent = tailPaused ? 'Resume live tail' : 'Pause live tail';
    tailBtn.setAttribute('aria-pressed', String(!tailPaused));
    renderTail();
  });
  tailRate.addEventListener('change', () => tail?.socket.send(JSON.stringify({ type: 'rate', rate: Number(tailRate.value) })));
  cleanups.push(() => tail?.close());

  // ---- produce
  const pKey = h('input', { autocomplete: 'off' });
  const pValue = h('textarea', { rows: 3 });
  const pHeaders = h('textarea', { rows: 2, placeholder: 'source=console' });
  const pPart = select([['', 'By key (or any)']], '');
  const produceForm = h('form', { class: 'inline-form changes', 'aria-labelledby': 'produce-h' }, h('h2', { id: 'produce-h' }, 'Produce a record'), field('Key', pKey), field('Value', pValue), field('Headers', pHeaders, 'key=value, one per line'), field('Target partition', pPart), h('button', { type: 'submit' }, 'Produce'));
  produceForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      const headers = Object.entries(parsePairs(pHeaders.value)).map(([key, value]) => ({ key, value }));
      const res = await api(`/topics/${enc(topic)}/records`, { method: 'POST', body: { key: pKey.value || null, value: pValue.value, headers, partition: pPart.value === '' ? undefined : Number(pPart.value) } });
      status(msg, `Produced to partition ${res.partition} at offset ${res.offset}.`);
      void loadTopic();
    } catch (err) {
      status(msg, `Could not produce: ${(err as Error).message}`, 'error');
    }
  });

  // ---- topic metadata and configs
  const loadTopic = async (): Promise<void> => {
    try {
      const t = await api(`/topics/${enc(topic)}`);
      if (t.partitions.length !== partitionCount) {
        partitionCount = t.partitions.length;
        const keepP = partSel.value;
        partSel.replaceChildren(h('option', { value: 'all' }, 'All partitions'), ...t.partitions.map((p: any) => h('option', { value: String(p.partition) }, `Partition ${p.partition}`)));
        partSel.value = [...partSel.options].some((o) => o.value === keepP) ? keepP : 'all';
        pPart.replaceChildren(h('option', { value: '' }, 'By key (or any)'), ...t.partitions.map((p: any) => h('option', { value: String(p.partition) }, `Partition ${p.partition}`)));
        addCount.min = String(partitionCount + 1);
        addCount.value = String(partitionCount + 1);
      }
      partsBox.replaceChildren(
        table(
          ['Partition', 'Leader', 'Replicas', 'In sync', 'Start offset', 'End offset', 'Records', 'Size'],
          t.partitions.map((p: any) => [p.partition, p.leader, p.replicas.join(', '), p.isr.join(', '), fmtNum(p.logStart), fmtNum(p.end), p.end === null ? '–' : fmtNum(p.end - p.logStart), fmtBytes(p.size)]),
          'Partitions',
        ),
      );
      renderConfigs(t.configs);
    } catch (err) {
      status(msg, `Could not load ${topic}: ${(err as Error).message}`, 'error');
    }
  };
  const SOURCES: Record<number, string> = { 1: 'topic override', 4: 'broker (static)', 5: 'default', 2: 'broker (dynamic)', 3: 'broker default (dynamic)' };
  let configsShown = '';
  const renderConfigs = (configs: any[]): void => {
    const key = JSON.stringify(configs);
    if (key === configsShown) return;
    configsShown = key;
    configsBox.replaceChildren(
      table(
        ['Config', 'Value', 'Source', 'Change'],
        configs.map((c) => {
          const input = h('input', { value: c.value ?? '', 'aria-label': `Value of ${c.name}`, disabled: c.readOnly });
          const save = h('button', { type: 'button', 'aria-label': `Save ${c.name}`, disabled: c.readOnly }, 'Save');
          const reset = c.source === 1 ? h('button', { type: 'button', 'aria-label': `Reset ${c.name} to its default` }, 'Default') : null;
          const alter = async (value: string | null): Promise<void> => {
            try {
              const res = await api(`/topics/${enc(topic)}/configs`, { method: 'PATCH', body: { configs: { [c.name]: value } } });
              status(msg, value === null ? `${c.name} is back to its default.` : `${c.name} set to ${value}.`);
              renderConfigs(res.configs);
            } catch (err) {
              status(msg, `Could not change ${c.name}: ${(err as Error).message}`, 'error');
            }
          };
          save.addEventListener('click', () => void alter(input.value));
          reset?.addEventListener('click', () => void alter(null));
          return [h('span', { title: c.documentation ?? '' }, c.name), input, SOURCES[c.source] ?? String(c.source), h('span', { class: 'changes' }, save, reset)];
        }),
        'Configs (overrides and defaults, as DescribeConfigs reports them)',
      ),
    );
  };
  const loadProducers = async (): Promise<void> => {
    const res = await api<any[]>(`/topics/${enc(topic)}/producers`);
    const rows = res.flatMap((p) => p.producers.map((x: any) => [p.partition, x.producerId, x.epoch, x.lastSequence, fmtTime(x.lastTimestamp), x.txnStartOffset >= 0 ? x.txnStartOffset : '–']));
    producersBox.replaceChildren(rows.length === 0 ? h('p', {}, 'No idempotent or transactional producers have written here.') : table(['Partition', 'Producer id', 'Epoch', 'Last sequence', 'Last write', 'Open transaction from'], rows, 'Producers'));
  };

  root.append(
    h('p', { class: 'crumbs' }, h('a', { href: '#/topics' }, 'Topics'), ' / '),
    h('h1', {}, topic),
    msg,
    h('div', { class: 'actions changes' }, addForm, delButton),
    dialog,
    h('section', { 'aria-labelledby': 'parts-h' }, h('h2', { id: 'parts-h' }, 'Partitions'), partsBox),
    h('section', { 'aria-labelledby': 'vol-h' }, h('h2', { id: 'vol-h' }, 'Message volume'), timeline.el),
    h('section', { 'aria-labelledby': 'msgs-h' }, h('h2', { id: 'msgs-h' }, 'Messages'), browseForm, h('div', { class: 'buttons' }, prevBtn, nextBtn), records),
    h('section', { 'aria-labelledby': 'tail-h' }, h('h2', { id: 'tail-h' }, 'Live tail'), h('div', { class: 'toolbar' }, field('Records per second at most', tailRate), tailBtn), tailInfo, tailBox),
    produceForm,
    h('section', { 'aria-labelledby': 'cfg-h' }, h('h2', { id: 'cfg-h' }, 'Configs'), h('details', {}, h('summary', {}, 'Show and edit the topic’s configs'), configsBox)),
    h('section', { 'aria-labelledby': 'prod-h' }, h('h2', { id: 'prod-h' }, 'Producers'), producersBox),
  );
  syncPos();
  void loadTopic().then(() => browse('first'));
  void loadTimeline().catch(() => undefined);
  void loadProducers().catch(() => undefined);
  const timer = window.setInterval(() => {
    void loadTopic();
    void loadTimeline().catch(() => undefined);
  }, 5000);
  return () => {
    clearInterval(timer);
    for (const c of cleanups) c();
  };
}
