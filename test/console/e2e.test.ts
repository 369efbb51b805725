/**
 * The web console end to end in a real browser: Debian's Chromium driven by playwright-core,
 * against a broker serving the console, with kcat and kafkajs as the clients. Screenshots of each
 * scenario go to test-artifacts/console/ (RUNNEL_TEST_ARTIFACTS overrides; not committed).
 * Without Chromium the suite is skipped on a developer's machine but fails in CI (CI=true), where
 * .ci/run installs it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { Kafka, logLevel, type Consumer, type Producer } from 'kafkajs';
import { startBroker, type Broker } from '../../src/broker.js';
import { buildConsole } from '../../src/console/build.js';
import { until } from '../helpers/until.js';

const CHROMIUM = '/usr/bin/chromium';
const inCI = process.env.CI === 'true' || process.env.CI === '1';
const ARTIFACTS = resolve(process.env.RUNNEL_TEST_ARTIFACTS ?? 'test-artifacts', 'console');

let broker: Broker;
let browser: Browser;
let page: Page;
let base: string;

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** kcat producing `key:value` lines (asynchronously: the broker runs in this process). */
function kcat(topic: string, lines: string[], partition = 0): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = execFile('kcat', ['-P', '-b', broker.bootstrap, '-t', topic, '-p', String(partition), '-K', ':'], { timeout: 30_000 }, (err, _out, stderr) =>
      err ? reject(new Error(`kcat failed: ${err.message} ${stderr}`)) : resolve(),
    );
    child.stdin!.end(lines.join('\n') + '\n');
  });
}

/** Every form control on the page has a label (a <label for>, or aria-label). */
async function unlabelled(): Promise<string[]> {
  return page.evaluate(() =>
    [...document.querySelectorAll('input, select, textarea, button')]
      .filter((el) => {
        const c = el as HTMLInputElement;
        if (c.type === 'hidden') return false;
        if (el.tagName === 'BUTTON') return !(el.textContent ?? '').trim() && !el.getAttribute('aria-label');
        return (c.labels?.length ?? 0) === 0 && !el.getAttribute('aria-label');
      })
      .map((el) => el.outerHTML.slice(0, 120)),
  );
}

/** Whether the page fits a phone-sized window without sideways scrolling (tables scroll inside their own box). */
async function fitsWidth(): Promise<boolean> {
  return page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1);
}

const haveChromium = existsSync(CHROMIUM);

describe.skipIf(!haveChromium && !inCI)('web console in Chromium', () => {
  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    await buildConsole();
    broker = await startBroker({ port: 0, storage: 'memory', console: true, config: { 'runnel.metrics.port': 0, 'runnel.console.lag.sample.ms': 500 } });
    base = `http://127.0.0.1:${broker.consolePort}`;
    // Fails (in CI) when Chromium is missing: the console must be tested in a real browser there.
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, timezoneId: 'UTC' });
    page = await context.newPage();
    page.on('pageerror', (e) => console.error('page error:', e.message));
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await broker?.close();
  });

  const topic = 'e2e-orders';

  it('creates a topic in the UI, shows kcat’s records in the browser and in the live tail within a second', { timeout: 90_000 }, async () => {
    await page.goto(`${base}/`);
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    expect(await unlabelled()).toEqual([]);
    await shot('overview');

    await page.getByRole('link', { name: 'Topics', exact: true }).click();
    await page.getByLabel('Topic name').fill(topic);
    await page.getByLabel('Partitions').fill('2');
    // By keyboard: Enter submits the form, the new topic's link takes focus with Tab order and Enter follows it.
    await page.getByLabel('Partitions').press('Enter');
    await page.getByRole('link', { name: topic }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: topic, level: 1 }).waitFor();
    expect(await unlabelled()).toEqual([]);

    await page.getByRole('button', { name: 'Start live tail' }).focus();
    await page.keyboard.press('Space');
    await page.getByText('Tailing: 0 shown').waitFor();
    await kcat(topic, ['order-1:{"item":"widget","qty":1}', 'order-2:{"item":"gadget","qty":2}']);
    const produced = Date.now();
    const tail = page.locator('.records.tail');
    await tail.getByText('order-2').waitFor({ timeout: 1000 });
    expect(Date.now() - produced).toBeLessThan(1000);
    await page.getByRole('button', { name: 'Show records' }).click();
    const records = page.locator('.records').first();
    await records.getByText('order-2').waitFor({ timeout: 1000 });
    expect(Date.now() - produced).toBeLessThan(2000);
    await page.getByLabel('Show as').selectOption('json');
    await expect.poll(() => records.locator('pre').filter({ hasText: '"qty": 2' }).count()).toBe(1);
    await shot('topic-records-and-tail');

    await page.getByRole('button', { name: 'Pause live tail' }).click();
    await kcat(topic, ['order-paused:while paused']);
    await page.waitForTimeout(600);
    expect(await tail.getByText('order-paused').count()).toBe(0);
    await page.getByRole('button', { name: 'Resume live tail' }).click();

    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForTimeout(300);
    expect(await fitsWidth()).toBe(true);
    await shot('topic-phone');
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it('positions the browser by timestamp', { timeout: 60_000 }, async () => {
    await kcat(topic, ['before-1:a', 'before-2:b'], 1);
    await new Promise((r) => setTimeout(r, 1100));
    const at = Math.ceil(Date.now() / 1000) * 1000;
    await new Promise((r) => setTimeout(r, at - Date.now() + 50));
    await kcat(topic, ['after-1:c', 'after-2:d'], 1);
    await page.getByLabel('Partition', { exact: true }).selectOption('1');
    await page.getByLabel('Start at').selectOption('timestamp');
    await page.getByLabel('Offset or time').fill(new Date(at).toISOString().slice(0, 19));
    await page.getByLabel('Show as').selectOption('text');
    await page.getByRole('button', { name: 'Show records' }).click();
    const records = page.locator('.records').first();
    await records.getByText('after-2').waitFor();
    const keys = await records.locator('tbody tr td:nth-child(4)').allTextContents();
    expect(keys).toEqual(['after-1', 'after-2']);
    await page.getByRole('button', { name: '← Older' }).click();
    await records.getByText('before-2').waitFor();
    expect(await records.locator('tbody tr td:nth-child(4)').allTextContents()).toEqual(['before-1', 'before-2']);
    await shot('topic-by-timestamp');
  });

  it('shows a lagging group’s growing lag in messages and time, its chart rising, and resets its offsets', { timeout: 180_000 }, async () => {
    const kafka = new Kafka({ brokers: [broker.bootstrap], clientId: 'e2e', logLevel: logLevel.NOTHING });
    const consumer: Consumer = kafka.consumer({ groupId: 'e2e-lagger', sessionTimeout: 10_000, heartbeatInterval: 500 });
    const producer: Producer = kafka.producer();
    await producer.connect();
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    let consumed = 0;
    await consumer.run({
      eachMessage: async () => {
        consumed++;
      },
    });
    await until('the consumer to read what is there', () => (consumed >= 7 ? true : undefined), 60_000);
    // Stops reading but stays in the group: from now on every record produced adds lag.
    consumer.pause([{ topic }]);
    let n = 0;
    const feeding = setInterval(() => void producer.send({ topic, messages: [{ key: `more-${n++}`, value: 'x' }] }).catch(() => undefined), 200);
    try {
      await page.getByRole('link', { name: 'Consumer groups' }).click();
      await page.getByRole('link', { name: 'e2e-lagger' }).click();
      await page.getByRole('heading', { name: 'e2e-lagger', level: 1 }).waitFor();
      expect(await unlabelled()).toEqual([]);
      const lag = async (): Promise<number> => Number(await page.locator('[data-lag]').getAttribute('data-lag'));
      const timeLag = async (): Promise<number> => Number(await page.locator('[data-time-lag]').getAttribute('data-time-lag'));
      const chartLast = async (): Promise<number> => Number(((await page.locator('figure.chart').first().getAttribute('data-last')) ?? '0').split(',')[0]);
      await until('some lag', async () => ((await lag()) > 0 ? true : undefined), 20_000);
      const lag1 = await lag();
      const time1 = await timeLag();
      const chart1 = await chartLast();
      await page.waitForTimeout(2500);
      await until('growing lag', async () => ((await lag()) > lag1 && (await timeLag()) > time1 && (await chartLast()) > chart1 ? true : undefined), 20_000);
      expect(Number(await page.locator('figure.chart').first().getAttribute('data-points'))).toBeGreaterThan(2);
      await page.getByText('consumer-').or(page.getByText('e2e')).first().waitFor();
      expect(await page.getByRole('button', { name: 'Delete group…' }).isDisabled()).toBe(true);
      await shot('group-lagging');
      await page.setViewportSize({ width: 390, height: 844 });
      await page.waitForTimeout(300);
      expect(await fitsWidth()).toBe(true);
      await shot('group-phone');
      await page.setViewportSize({ width: 1280, height: 900 });

      // With members, a reset is previewed but refused.
      await page.getByLabel('Reset to').selectOption('latest');
      await page.getByRole('button', { name: 'Preview' }).click();
      await page.getByText('Preview only: the group has members').waitFor();
      expect(await page.getByRole('button', { name: 'Reset offsets' }).isDisabled()).toBe(true);
      const refused = await fetch(`${base}/api/groups/e2e-lagger/reset`, { method: 'POST', body: JSON.stringify({ strategy: 'latest' }), headers: { 'content-type': 'application/json' } });
      expect(refused.status).toBe(409);
    } finally {
      clearInterval(feeding);
    }
    await consumer.disconnect();
    await producer.disconnect();
    await until('an empty group', async () => (page.locator('.group-state').filter({ hasText: 'Empty' }).count().then((c) => (c > 0 ? true : undefined))), 20_000);

    await page.getByLabel('Reset to').selectOption('latest');
    await page.getByRole('button', { name: 'Preview' }).click();
    await page.getByText('Preview ready').waitFor();
    await page.getByRole('button', { name: 'Reset offsets' }).click();
    await page.getByText('Offsets reset.').waitFor();
    await until('no lag', async () => ((await page.locator('[data-lag]').getAttribute('data-lag')) === '0' ? true : undefined), 20_000);
    expect(await page.locator('[data-time-lag]').getAttribute('data-time-lag')).toBe('0');
    await shot('group-reset');
  });

  it('hides the controls that change things when read-only', { timeout: 60_000 }, async () => {
    const ro = await startBroker({ port: 0, storage: 'memory', console: true, config: { 'runnel.console.port': 0, 'runnel.console.read.only': true } });
    try {
      await page.goto(`http://127.0.0.1:${ro.consolePort}/#/topics`);
      await page.getByRole('heading', { name: 'Topics' }).waitFor();
      await expect.poll(() => page.getByRole('button', { name: 'Create topic' }).count()).toBe(0);
      await shot('read-only-topics');
    } finally {
      await ro.close();
    }
  });

  it('deletes the topic after confirmation', async () => {
    await page.goto(`${base}/#/topics/${topic}`);
    await page.getByRole('button', { name: 'Delete topic…' }).click();
    await page.getByLabel('Topic name to confirm').fill(topic);
    await page.getByRole('button', { name: 'Delete topic', exact: true }).click();
    await page.waitForURL(/#\/topics$/);
    await page.getByText(/\d+ topics?$/).waitFor();
    expect(await page.getByRole('link', { name: topic }).count()).toBe(0);
    expect((await fetch(`${base}/api/topics/${topic}`)).status).toBe(404);
    await shot('topic-deleted');
  });

  it('lists 3,000 topics and finds one by searching', { timeout: 120_000 }, async () => {
    const admin = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    await admin.createTopics({ topics: Array.from({ length: 3000 }, (_, i) => ({ topic: `scale-${String(i).padStart(4, '0')}`, numPartitions: 1 })), timeout: 60_000 });
    await admin.disconnect();
    await page.goto(`${base}/#/topics`);
    // The page shows the first thousand and says how many there are; the search asks the broker, so any of them is found.
    await page.getByText(/Showing 1000 of 3,0\d\d topics/).waitFor({ timeout: 30_000 });
    await page.getByLabel('Search topics').fill('scale-2718');
    await page.getByRole('link', { name: 'scale-2718', exact: true }).waitFor({ timeout: 30_000 });
    await expect.poll(() => page.getByRole('table', { name: 'Topics' }).getByRole('link').count()).toBe(1);
    await page.getByText('1 topic', { exact: true }).waitFor();
    await shot('topics-3000-search');
    await page.getByRole('link', { name: 'scale-2718', exact: true }).click();
    await page.getByRole('heading', { name: 'scale-2718' }).waitFor();
  });
});
