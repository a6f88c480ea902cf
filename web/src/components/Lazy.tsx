// A page loaded on demand (a dynamic import: its own chunk), so the shop's first load stays
// small. While the chunk loads the page says so; a failed load (offline, a new deployment) is
// shown, not swallowed.
import type { ComponentType } from "preact";
import { useEffect, useState } from "preact/hooks";
import { t } from "../i18n";

// The loaded component is kept with its loader: going from one lazy page to another reuses this
// element, and the previous page must not render once with the next page's props.
export function Lazy<P extends object>({ load, props }: { load: () => Promise<ComponentType<P>>; props: P }) {
  const [loaded, setLoaded] = useState<{ load: unknown; Component: ComponentType<P> } | null>(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    let live = true;
    setFailed(false);
    load().then(
      (c) => live && setLoaded({ load, Component: c }),
      () => live && setFailed(true),
    );
    return () => void (live = false);
  }, [load]);
  const Component = loaded?.load === load ? loaded.Component : null;
  if (failed)
    return (
      <p role="alert" class="alert error">
        {t("networkError")}
      </p>
    );
  if (!Component) return <p aria-live="polite">{t("loading")}</p>;
  return <Component {...props} />;
}
