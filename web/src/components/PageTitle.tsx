// Each page's <h1>. After a navigation it takes the focus (and sets the document title), so a
// screen reader announces the new page and the keyboard starts from its top.
import { useEffect, useRef } from "preact/hooks";
import { t } from "../i18n";

export function PageTitle({ children }: { children: string }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${children} · ${t("appName")}`;
  }, [children]);
  useEffect(() => {
    // Not on the first page load: the browser starts at the top by itself.
    if (document.body.dataset.navigated) heading.current?.focus();
    document.body.dataset.navigated = "1";
  }, []);
  return (
    <h1 tabIndex={-1} ref={heading}>
      {children}
    </h1>
  );
}
