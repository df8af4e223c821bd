import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { useEffect, useRef } from 'preact/hooks';

export interface SeriesPoint {
  at: string;
  received: number;
  delivered: number;
  failed: number;
}

const COLORS = { received: '#3b82f6', delivered: '#16a34a', failed: '#dc2626' };

/** Received, delivered and failed per bucket, drawn with uPlot (canvas: cheap to redraw every few seconds). */
export function FlowChart({ points, label }: { points: SeriesPoint[]; label: string }) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const data: uPlot.AlignedData = [
      points.map((p) => Date.parse(p.at) / 1000),
      points.map((p) => p.received),
      points.map((p) => p.delivered),
      points.map((p) => p.failed),
    ];
    const dark = matchMedia('(prefers-color-scheme: dark)').matches;
    const axis = {
      stroke: dark ? '#a1a1aa' : '#52525b',
      grid: { stroke: dark ? '#27272a' : '#e4e4e7' },
      ticks: { stroke: dark ? '#3f3f46' : '#d4d4d8' },
    };
    plot.current = new uPlot(
      {
        width: el.clientWidth || 600,
        height: 220,
        series: [
          {},
          { label: 'Received', stroke: COLORS.received, width: 2 },
          { label: 'Delivered', stroke: COLORS.delivered, width: 2 },
          { label: 'Failed', stroke: COLORS.failed, width: 2 },
        ],
        axes: [axis, { ...axis, size: 50 }],
        scales: { y: { range: (_u, _min, max) => [0, Math.max(4, max * 1.1)] } },
        legend: { show: true },
      },
      data,
      el,
    );
    const resize = new ResizeObserver(() => plot.current?.setSize({ width: el.clientWidth, height: 220 }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.current?.destroy();
      plot.current = null;
    };
  }, []);

  useEffect(() => {
    if (!plot.current) return;
    plot.current.setData([
      points.map((p) => Date.parse(p.at) / 1000),
      points.map((p) => p.received),
      points.map((p) => p.delivered),
      points.map((p) => p.failed),
    ]);
  }, [points]);

  return <div ref={box} class="chart" role="img" aria-label={label} />;
}
