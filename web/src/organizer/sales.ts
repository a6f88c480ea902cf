// Orders of an event turned into what the dashboard shows: tickets sold per hour (or per day
// when the sales span more than three days) for the chart, and a search over the list.
import type { SalesSeries } from "./SalesChart";
import type { ListedOrder } from "./api";

const sold = new Set(["Paid", "Completed", "PartiallyRefunded"]);

export function isSold(order: ListedOrder): boolean {
  return sold.has(order.status);
}

export function tickets(order: ListedOrder): number {
  return order.items.reduce((n, item) => n + item.ticketCount, 0);
}

export function salesSeries(orders: ListedOrder[]): SalesSeries {
  const times = orders.filter(isSold).map((o) => Date.parse(o.createdAt) / 1000);
  if (times.length === 0) return { times: [], tickets: [], bucket: 3600 };
  const first = Math.min(...times);
  const last = Math.max(...times);
  const bucket = last - first > 3 * 86400 ? 86400 : 3600;
  const start = Math.floor(first / bucket) * bucket;
  const count = Math.floor((last - start) / bucket) + 1;
  const perBucket = new Array<number>(count).fill(0);
  for (const order of orders.filter(isSold)) {
    perBucket[Math.floor((Date.parse(order.createdAt) / 1000 - start) / bucket)] += tickets(order);
  }
  return { times: perBucket.map((_, i) => start + i * bucket), tickets: perBucket, bucket };
}

// Matches the order id, status, buyer id or a category id, case-insensitive.
export function matches(order: ListedOrder, query: string): boolean {
  const q = query.trim().toLowerCase();
  if (!q) return true;
  return [order.id, order.status, order.userId, ...order.items.map((i) => i.categoryId)].some((s) =>
    s.toLowerCase().includes(q),
  );
}
