/** The console's page: a hash router over the pages, each of which returns its clean-up. */
import './style.css';
import { h } from './dom.js';
import { overviewPage } from './overview.js';
import { topicsPage } from './topics.js';
import { topicPage } from './topic.js';
import { groupsPage, groupPage } from './groups.js';
import { transactionsPage } from './transactions.js';

export type Page = (root: HTMLElement, ...params: string[]) => (() => void) | void;

const routes: Array<[RegExp, Page, string]> = [
  [/^\/?$/, overviewPage, 'overview'],
  [/^\/topics\/?$/, topicsPage, 'topics'],
  [/^\/topics\/(.+)$/, topicPage, 'topics'],
  [/^\/groups\/?$/, groupsPage, 'groups'],
  [/^\/groups\/(.+)$/, groupPage, 'groups'],
  [/^\/transactions\/?$/, transactionsPage, 'transactions'],
];

const nav = h(
  'nav',
  { 'aria-label': 'Sections' },
  h('a', { href: '#/', class: 'brand' }, 'Runnel'),
  h('a', { href: '#/', 'data-section': 'overview' }, 'Overview'),
  h('a', { href: '#/topics', 'data-section': 'topics' }, 'Topics'),
  h('a', { href: '#/groups', 'data-section': 'groups' }, 'Consumer groups'),
  h('a', { href: '#/transactions', 'data-section': 'transactions' }, 'Transactions'),
);
const main = h('main', { id: 'main', tabindex: -1 });
document.body.append(h('a', { href: '#main', class: 'skip', onclick: (e: Event) => (e.preventDefault(), main.focus()) }, 'Skip to content'), h('header', {}, nav), main);

let cleanup: (() => void) | void;
function render(): void {
  cleanup?.();
  cleanup = undefined;
  main.replaceChildren();
  const path = decodeURIComponent(location.hash.replace(/^#/, '').split('?')[0]);
  for (const [re, page, section] of routes) {
    const m = re.exec(path);
    if (!m) continue;
    for (const a of nav.querySelectorAll<HTMLAnchorElement>('a[data-section]')) {
      if (a.dataset.section === section) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    }
    cleanup = page(main, ...m.slice(1));
    return;
  }
  main.append(h('h1', {}, 'Not found'), h('p', {}, h('a', { href: '#/' }, 'Back to the overview')));
}
window.addEventListener('hashchange', render);
render();
// A read-only console (runnel.console.read.only) hides the controls that change things; the API refuses them anyway.
void fetch('/api/overview')
  .then((r) => r.json())
  .then((o: { readOnly?: boolean }) => {
    if (o.readOnly) document.body.dataset.readOnly = 'true';
  })
  .catch(() => undefined);
