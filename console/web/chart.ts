/** Time-series charts (uPlot) sized to their container and redrawn with new data. */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { h } from './dom.js';

export interface SeriesDef {
  label: string;
  color: string;
  /** Scale (axis) name: series on another scale get a right-hand axis. */
  scale?: string;
  bars?: boolean;
}

export interface Chart {
  el: HTMLElement;
  /** x: unix seconds. */
  set(x: number[], ys: number[][]): void;
  destroy(): void;
  /** The last data set, for tests and the page's text alternative. */
  readonly data: number[][];
}

const palette = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2'];
export const color = (i: number): string => palette[i % palette.length];

export function chart(title: string, series: SeriesDef[], opts: { height?: number; yFormat?: (v: number) => string; y2Format?: (v: number) => string; onClick?: (x: number) => void } = {}): Chart {
  const el = h('figure', { class: 'chart', 'aria-label': title });
  const plotEl = h('div', { class: 'plot' });
  el.append(h('figcaption', {}, title), plotEl);
  const scales = [...new Set(series.map((s) => s.scale ?? 'y'))];
  let data: number[][] = [[], ...series.map(() => [])];
  const width = (): number => Math.max(260, plotEl.clientWidth || el.clientWidth || 600);
  const plot = new uPlot(
    {
      width: width(),
      height: opts.height ?? 200,
      series: [
        {},
        ...series.map((s) => ({
          label: s.label,
          stroke: s.color,
          fill: s.bars ? s.color + '88' : s.color + '22',
          scale: s.scale ?? 'y',
          paths: s.bars ? uPlot.paths.bars!({ size: [0.9, 40] }) : undefined,
          points: { show: false },
        })),
      ],
      scales: { x: { time: true } },
      axes: [
        {},
        { scale: scales[0], values: opts.yFormat ? (_u: uPlot, vs: number[]) => vs.map((v) => opts.yFormat!(v)) : undefined, size: 70 },
        ...(scales[1] ? [{ scale: scales[1], side: 1 as const, grid: { show: false }, values: opts.y2Format ? (_u: uPlot, vs: number[]) => vs.map((v) => opts.y2Format!(v)) : undefined, size: 70 }] : []),
      ],
      cursor: { drag: { x: false, y: false } },
    },
    data as uPlot.AlignedData,
    plotEl,
  );
  if (opts.onClick) {
    plot.over.addEventListener('click', () => {
      const idx = plot.cursor.idx;
      if (idx !== null && idx !== undefined && data[0][idx] !== undefined) opts.onClick!(data[0][idx]);
    });
    plot.over.style.cursor = 'pointer';
  }
  const ro = new ResizeObserver(() => plot.setSize({ width: width(), height: opts.height ?? 200 }));
  ro.observe(el);
  return {
    el,
    get data() {
      return data;
    },
    set(x, ys) {
      data = [x, ...ys];
      plot.setData(data as uPlot.AlignedData);
      el.dataset.points = String(x.length);
      el.dataset.last = ys.map((y) => y[y.length - 1] ?? '').join(',');
    },
    destroy() {
      ro.disconnect();
      plot.destroy();
    },
  };
}
