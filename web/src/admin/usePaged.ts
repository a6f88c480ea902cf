// One page of a list route, reloaded when the page, the filters or `reload` change.
import { useEffect, useState } from "preact/hooks";
import { getJson } from "../api/client";
import type { Page } from "../api/types";

export function usePaged<T>(path: string, params: Record<string, string>, reload = 0) {
  const [page, setPage] = useState(1);
  const [data, setData] = useState<Page<T> | null>(null);
  const [error, setError] = useState<unknown>(null);
  const query = new URLSearchParams({
    ...Object.fromEntries(Object.entries(params).filter(([, v]) => v)),
    page: String(page),
    size: "20",
  });
  const url = `${path}?${query}`;
  useEffect(() => {
    let live = true;
    setError(null);
    getJson<Page<T>>(url).then(
      (d) => live && setData(d),
      (e) => live && setError(e),
    );
    return () => void (live = false);
  }, [url, reload]);
  return { page, setPage, data, error };
}
