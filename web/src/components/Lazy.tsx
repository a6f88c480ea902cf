// A page loaded on demand (a dynamic import: its own chunk), so the shop's first load stays
// small. While the chunk loads the page says so; a failed load (offline, a new deployment) is
// shown, not swallowed.
import type { ComponentType } from "preact";
import { useEffect, useState } from "preact/hooks";
import { t } from "../i18n";

export function Lazy<P extends object>({ load, props }: { load: () => Promise<ComponentType<P>>; props: P }) {
  const [Component, setComponent] = useState<ComponentType<P> | null>(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    let live = true;
    load().then(
      (c) => live && setComponent(() => c),
      () => live && setFailed(true),
    );
    return () => void (live = false);
  }, [load]);
  if (failed)
    return (
      <p role="alert" class="alert error">
        {t("networkError")}
      </p>
    );
  if (!Component) return <p aria-live="polite">{t("loading")}</p>;
  return <Component {...props} />;
}
