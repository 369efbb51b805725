import { api, enc, live } from './api.js';
import { chart, color } from './chart.js';
import { field, fmtDuration, fmtNum, h, select, status, table } from './dom.js';

export function groupsPage(root: HTMLElement): () => void {
  const msg = h('p', { class: 'status', role: 'status' });
  const body = h('div');
  root.append(h('h1', {}, 'Consumer groups'), msg, body);
  const load = async (): Promise<void> => {
    try {
      const groups = await api<any[]>('/groups');
      body.replaceChildren(
        groups.length === 0
          ? h('p', {}, 'No consumer groups yet.')
          : table(
              ['Group', 'State', 'Protocol', 'Lag (messages)', 'Lag (time)'],
              groups.map((g) => [h('a', { href: `#/groups/${enc(g.groupId)}` }, g.groupId), g.state, g.type === 'consumer' ? 'consumer' : `classic (${g.protocolType || 'none'})`, fmtNum(g.lag), fmtDuration(g.timeLagMs)]),
              'Consumer groups',
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

interface Sample {
  t: number;
  lag: number;
  timeLagMs: number;
  partitions: Record<string, [number, number]>;
}

export function groupPage(root: HTMLElement, id: string): () => void {
  const msg = h('p', { class: 'status', role: 'status', 'aria-live': 'polite' });
  const info = h('div');
  const members = h('div');
  const lagBox = h('div', { 'aria-live': 'off' });
  const total = chart('Total lag: messages (left) and time of the furthest-behind partition (right)', [
    { label: 'messages', color: color(0) },
    { label: 'time lag', color: color(1), scale: 's' },
  ], { y2Format: (v) => fmtDuration(v * 1000) });
  const perPart = h('div');
  let partChart: ReturnType<typeof chart> | undefined;
  let partKeys: string[] = [];
  let history: Sample[] = [];
  let memberCount = 0;

  const draw = (): void => {
    const x = history.map((s) => s.t / 1000);
    total.set(x, [history.map((s) => s.lag), history.map((s) => s.timeLagMs / 1000)]);
    const keys = [...new Set(history.flatMap((s) => Object.keys(s.partitions)))].sort();
    if (keys.join() !== partKeys.join()) {
      partChart?.destroy();
      partKeys = keys;
      partChart = chart('Lag per partition (messages)', keys.map((k, i) => ({ label: k, color: color(i) })), { height: 180 });
      perPart.replaceChildren(partChart.el);
    }
    partChart?.set(x, partKeys.map((k) => history.map((s) => s.partitions[k]?.[0] ?? 0)));
  };
  const renderLag = (lags: any[]): void => {
    lagBox.replaceChildren(
      lags.length === 0
        ? h('p', {}, 'No committed offsets.')
        : table(
            ['Topic', 'Partition', 'Committed', 'End offset', 'Lag (messages)', 'Lag (time)'],
            lags.map((l) => [h('a', { href: `#/topics/${enc(l.topic)}` }, l.topic), l.partition, fmtNum(l.committed), fmtNum(l.end), h('span', { class: 'lag-messages' }, l.lag < 0 ? 'not on this broker' : fmtNum(l.lag)), h('span', { class: 'lag-time' }, fmtDuration(l.timeLagMs))]),
            'Lag per partition',
          ),
    );
    const sum = lags.reduce((a, l) => a + Math.max(0, l.lag), 0);
    const maxTime = lags.reduce((a, l) => Math.max(a, l.timeLagMs), 0);
    lagBox.prepend(h('p', { class: 'lag-total' }, 'Total lag: ', h('strong', { 'data-lag': String(sum) }, `${fmtNum(sum)} messages`), ', ', h('strong', { 'data-time-lag': String(maxTime) }, fmtDuration(maxTime)), ' behind'));
  };

  // ---- reset offsets
  const topicSel = select([['', 'All committed partitions']], '');
  const strategy = select([['earliest', 'Earliest'], ['latest', 'Latest'], ['offset', 'To offset'], ['timestamp', 'To time'], ['shift', 'Shift by']], 'earliest');
  const value = h('input', { type: 'text', disabled: true });
  const preview = h('div');
  const applyBtn = h('button', { type: 'button', disabled: true }, 'Reset offsets');
  strategy.addEventListener('change', () => {
    const s = strategy.value;
    value.disabled = s === 'earliest' || s === 'latest';
    value.type = s === 'timestamp' ? 'datetime-local' : 'text';
    if (s === 'timestamp') value.step = '1';
    applyBtn.disabled = true;
    preview.replaceChildren();
  });
  const resetBody = (dryRun: boolean): Record<string, unknown> => {
    const s = strategy.value;
    let v: number | undefined;
    if (s === 'timestamp') v = new Date(value.value).getTime();
    else if (s === 'offset' || s === 'shift') v = Number(value.value);
    return { strategy: s, value: v, topic: topicSel.value || undefined, dryRun };
  };
  const resetForm = h(
    'form',
    { class: 'inline-form changes', 'aria-labelledby': 'reset-h' },
    h('h2', { id: 'reset-h' }, 'Reset offsets'),
    h('p', { class: 'muted' }, 'Only while the group has no members, as kafka-consumer-groups --reset-offsets.'),
    field('Topic', topicSel),
    field('Reset to', strategy),
    field('Offset, time or shift', value),
    h('div', { class: 'buttons' }, h('button', { type: 'submit' }, 'Preview'), applyBtn),
    preview,
  );
  resetForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      const res = await api(`/groups/${enc(id)}/reset`, { method: 'POST', body: resetBody(true) });
      preview.replaceChildren(table(['Topic', 'Partition', 'Current offset', 'New offset'], res.preview.map((p: any) => [p.topic, p.partition, p.current ?? '–', p.target]), 'Preview of the reset'));
      applyBtn.disabled = memberCount > 0;
      status(msg, memberCount > 0 ? 'Preview only: the group has members, so offsets cannot be reset now.' : 'Preview ready: Reset offsets applies it.');
    } catch (err) {
      status(msg, `Could not preview: ${(err as Error).message}`, 'error');
    }
  });
  applyBtn.addEventListener('click', async () => {
    try {
      await api(`/groups/${enc(id)}/reset`, { method: 'POST', body: resetBody(false) });
      status(msg, 'Offsets reset.');
      applyBtn.disabled = true;
      void load();
    } catch (err) {
      status(msg, `Could not reset offsets: ${(err as Error).message}`, 'error');
    }
  });
  const delBtn = h('button', { type: 'button', class: 'danger' }, 'Delete group…');
  delBtn.addEventListener('click', async () => {
    if (!window.confirm(`Delete consumer group ${id} and its committed offsets?`)) return;
    try {
      await api(`/groups/${enc(id)}`, { method: 'DELETE' });
      location.hash = '#/groups';
    } catch (err) {
      status(msg, `Could not delete the group: ${(err as Error).message}`, 'error');
    }
  });

  root.append(
    h('p', { class: 'crumbs' }, h('a', { href: '#/groups' }, 'Consumer groups'), ' / '),
    h('h1', {}, id),
    msg,
    info,
    h('section', { 'aria-labelledby': 'lag-h' }, h('h2', { id: 'lag-h' }, 'Lag'), lagBox, total.el, perPart),
    h('section', { 'aria-labelledby': 'mem-h' }, h('h2', { id: 'mem-h' }, 'Members'), members),
    resetForm,
    h('div', { class: 'actions changes' }, delBtn),
  );

  const load = async (): Promise<void> => {
    try {
      const res = await api(`/groups/${enc(id)}`);
      const g = res.group;
      memberCount = g.members.length;
      delBtn.disabled = memberCount > 0;
      delBtn.title = memberCount > 0 ? 'A group with members cannot be deleted' : '';
      info.replaceChildren(
        h('dl', { class: 'facts' }, h('dt', {}, 'State'), h('dd', { class: 'group-state' }, g.state), h('dt', {}, 'Protocol'), h('dd', {}, g.type === 'consumer' ? `consumer (assignor ${g.protocol})` : `classic ${g.protocolType}${g.protocol ? ` (${g.protocol})` : ''}`), h('dt', {}, 'Members'), h('dd', {}, String(memberCount))),
      );
      members.replaceChildren(
        memberCount === 0
          ? h('p', {}, 'No members.')
          : table(
              ['Member', 'Client id', 'Host', 'Assignment'],
              g.members.map((m: any) => [m.memberId, m.clientId, m.host, m.assignment.map((a: any) => `${a.topic}: ${a.partitions.join(', ')}`).join('; ') || '–']),
              'Members',
            ),
      );
      const topics = [...new Set<string>(res.lag.map((l: any) => l.topic))];
      if (topicSel.options.length !== topics.length + 1) {
        topicSel.replaceChildren(h('option', { value: '' }, 'All committed partitions'), ...topics.map((t) => h('option', { value: t }, t)));
      }
      renderLag(res.lag);
      if (history.length === 0 || res.history.length > history.length) {
        history = res.history;
        draw();
      }
    } catch (err) {
      status(msg, `Could not load the group: ${(err as Error).message}`, 'error');
    }
  };
  void load();
  const feed = live(`groups/${enc(id)}`, (m) => {
    if (m.type !== 'lag') return;
    history = [...history, m.sample].slice(-2000);
    draw();
    renderLag(m.lags);
  });
  const timer = window.setInterval(load, 5000);
  return () => {
    clearInterval(timer);
    feed.close();
    total.destroy();
    partChart?.destroy();
  };
}
