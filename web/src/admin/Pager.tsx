// Previous / next for a kernel-paged list (page, totalPages): a navigation landmark of its own.
import { t } from "../i18n";

export function Pager({ page, pages, onPage }: { page: number; pages: number; onPage: (page: number) => void }) {
  if (pages <= 1) return null;
  return (
    <nav class="pager" aria-label={t("pagerLabel")}>
      <button type="button" disabled={page <= 1} onClick={() => onPage(page - 1)}>
        {t("previousPage")}
      </button>
      <span>{t("pageOf", { page, pages })}</span>
      <button type="button" disabled={page >= pages} onClick={() => onPage(page + 1)}>
        {t("nextPage")}
      </button>
    </nav>
  );
}
