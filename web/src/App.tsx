// The frame every page shares (skip link, header, language switch) and the choice of page.
import { useEffect, useState } from "preact/hooks";
import { onSession, sessionState, signOut } from "./api/session";
import { PageTitle } from "./components/PageTitle";
import { setLang, t, useLang, type Lang } from "./i18n";
import { navigate, organizerPages, useLocation, type Location } from "./router";
import { SignInPage, SignUpPage } from "./pages/AuthPages";
import { EventList } from "./pages/EventList";
import { EventPage } from "./pages/EventPage";
import { OrderPage } from "./pages/OrderPage";
import { TicketsPage } from "./pages/TicketsPage";
// Door scanner, admin and the rest of the buyer account: each its own chunk, loaded on demand.
import { Lazy } from "./components/Lazy";
import { LazyOrganizerArea, OrganizerNavLink } from "./organizer/entry";
import { useHasScannerGrants } from "./scanner/grants";
const loadScanner = () => import("./scanner/ScannerPage").then((m) => m.ScannerPage);
const loadAdmin = () => import("./admin/AdminPage").then((m) => m.AdminPage);
const loadOrders = () => import("./account/MyOrdersPage").then((m) => m.MyOrdersPage);
const loadNotifications = () => import("./account/NotificationsPage").then((m) => m.NotificationsPage);

function useSession() {
  const [state, setState] = useState(sessionState);
  useEffect(() => {
    // What changed between the first render and this subscription (effects run after paint).
    setState(sessionState());
    return onSession(setState);
  }, []);
  return state;
}

const needsSignIn = new Set<string>(["order", "tickets", "scan", "admin", "orders", "notifications", ...organizerPages]);

function Page({ location, signedIn, isAdmin }: { location: Location; signedIn: boolean; isAdmin: boolean }) {
  if (needsSignIn.has(location.page) && !signedIn) return null; // App redirects
  switch (location.page) {
    case "events":
      return <EventList location={location} />;
    case "event":
      return <EventPage key={location.params.id} id={location.params.id} />;
    case "order":
      return <OrderPage key={location.params.id} id={location.params.id} />;
    case "tickets":
      return <TicketsPage />;
    case "signin":
      return <SignInPage location={location} />;
    case "signup":
      return <SignUpPage location={location} />;
    case "scan":
      return <Lazy load={loadScanner} props={{ eventId: location.params.eventId }} />;
    case "admin":
      return <Lazy load={loadAdmin} props={{ location, isAdmin }} />;
    case "orders":
      return <Lazy load={loadOrders} props={{}} />;
    case "notifications":
      return <Lazy load={loadNotifications} props={{}} />;
    case "orgHome":
    case "orgNew":
    case "orgEdit":
    case "orgDashboard":
      return <LazyOrganizerArea location={location} />;
    default:
      return (
        <section>
          <PageTitle>{t("notFoundTitle")}</PageTitle>
          <p>{t("notFoundText")}</p>
          <p>
            <a href="/">{t("backToEvents")}</a>
          </p>
        </section>
      );
  }
}

export function App() {
  const location = useLocation();
  const session = useSession();
  const lang = useLang();
  const isAdmin = session.user?.roles.includes("Admin") ?? false;
  // The door is for those who scan: Admins, Organizers (at their own events) and any account an
  // organizer made a Scanner of an event (a grant per event, asked of the API once).
  const scansByRole = isAdmin || (session.user?.roles.includes("Organizer") ?? false);
  const hasGrants = useHasScannerGrants(session.user?.id ?? null, !scansByRole);
  const canScan = scansByRole || hasGrants;

  useEffect(() => {
    if (session.ready && !session.user && needsSignIn.has(location.page)) {
      navigate(`/signin?next=${encodeURIComponent(location.path + window.location.search)}`, true);
    }
  }, [session.ready, session.user, location.page]);

  return (
    <>
      <a class="skip" href="#main">
        {t("skipToContent")}
      </a>
      <header class="top">
        <a class="brand" href="/">
          {t("appName")}
        </a>
        <nav aria-label={t("appName")}>
          <a href="/" aria-current={location.page === "events" ? "page" : undefined}>
            {t("navEvents")}
          </a>
          {session.user && (
            <a href="/tickets" aria-current={location.page === "tickets" ? "page" : undefined}>
              {t("navTickets")}
            </a>
          )}
          <OrganizerNavLink user={session.user} current={organizerPages.has(location.page)} />
          {session.user && (
            <>
              <a href="/orders" aria-current={location.page === "orders" ? "page" : undefined}>
                {t("navOrders")}
              </a>
              <a href="/notifications" aria-current={location.page === "notifications" ? "page" : undefined}>
                {t("navNotifications")}
              </a>
              {canScan && (
                <a href="/scan" aria-current={location.page === "scan" ? "page" : undefined}>
                  {t("navScan")}
                </a>
              )}
            </>
          )}
          {isAdmin && (
            <a href="/admin" aria-current={location.page === "admin" ? "page" : undefined}>
              {t("navAdmin")}
            </a>
          )}
          {session.ready && !session.user && <a href="/signin">{t("navSignIn")}</a>}
          {session.ready && !session.user && <a href="/signup">{t("navSignUp")}</a>}
        </nav>
        <div class="account">
          {session.user && (
            <>
              <span class="who">
                {t(session.offline ? "signedInOffline" : "signedInAs", { name: session.user.displayName })}
              </span>
              <button type="button" onClick={() => void signOut().then(() => navigate("/"))}>
                {t("signOut")}
              </button>
            </>
          )}
          <label for="lang" class="visually-hidden">
            {t("language")}
          </label>
          <select id="lang" value={lang} onChange={(e) => setLang(e.currentTarget.value as Lang)}>
            <option value="en">English</option>
            <option value="de">Deutsch</option>
          </select>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        {session.ready ? (
          <Page location={location} signedIn={session.user !== null} isAdmin={isAdmin} />
        ) : (
          <p>{t("loading")}</p>
        )}
      </main>
    </>
  );
}
