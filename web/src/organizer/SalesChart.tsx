// Tickets sold over time, drawn by uPlot (loaded with the dashboard only, never by the shop).
// The canvas has a text alternative: the same numbers in words for screen readers.
import { useEffect, useRef } from "preact/hooks";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { t } from "../i18n";

export interface SalesSeries {
  times: number[]; // bucket starts, seconds since the epoch
  tickets: number[];
  bucket: number; // seconds per point: an hour or a day
}

export function SalesChart({ series, timeZone }: { series: SalesSeries; timeZone: string }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = box.current;
    if (!element) return;
    const width = () => Math.max(240, Math.min(element.clientWidth || 600, 900));
    const plot = new uPlot(
      {
        width: width(),
        height: 220,
        tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), timeZone),
        legend: { show: false },
        // A bucket of room either side, so a single point is not drawn across a span of years.
        scales: {
          x: { time: true, range: (_u, min, max) => [min - series.bucket, max + series.bucket] },
          y: { range: (_u, _min, max) => [0, Math.max(1, max)] },
        },
        series: [
          {},
          {
            label: t("orgTicketsSold"),
            stroke: "#1f6feb",
            fill: "rgba(31,111,235,.15)",
            width: 2,
            points: { show: true },
          },
        ],
        axes: [{}, { label: t("orgTicketsSold") }],
      },
      [series.times, series.tickets],
      element,
    );
    const resize = () => plot.setSize({ width: width(), height: 220 });
    window.addEventListener("resize", resize);
    return () => {
      window.removeEventListener("resize", resize);
      plot.destroy();
    };
  }, [series, timeZone]);
  const total = series.tickets.reduce((a, b) => a + b, 0);
  return (
    <div
      class="chart"
      ref={box}
      role="img"
      aria-label={t("orgChartAlt", { tickets: total, buckets: series.times.length })}
      data-testid="sales-chart"
    />
  );
}
