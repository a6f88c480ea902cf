// The door: a page for phones. Scan a QR with the camera or type the code; a big green or red
// answer with the holder's name and category, and for a repeat when and where the ticket was
// first scanned. Without a connection the cached check-in list answers (marked provisional) and
// the scans wait in a queue that is sent as soon as the browser is back online.
import { useEffect, useRef, useState } from "preact/hooks";
import { getJson } from "../api/client";
import { sessionState } from "../api/session";
import type { EventDoc, Page } from "../api/types";
import { ErrorMessage } from "../components/ErrorMessage";
import { PageTitle } from "../components/PageTitle";
import { formatDate, t } from "../i18n";
import { forgetCache, loadCache, type DoorCache } from "./cache";
import { cameraAvailable, startCamera } from "./camera";
import { refreshList, scan, syncQueue, type SyncReport, type Verdict } from "./door";
import { scannerGrants } from "./grants";
import "./scanner.css";

const gateKey = "boxoffice.door.gate";

function useOnline(): boolean {
  const [online, setOnline] = useState(navigator.onLine);
  useEffect(() => {
    const update = () => setOnline(navigator.onLine);
    window.addEventListener("online", update);
    window.addEventListener("offline", update);
    return () => {
      window.removeEventListener("online", update);
      window.removeEventListener("offline", update);
    };
  }, []);
  return online;
}

interface DoorEvent {
  id: string;
  name: string;
  startsAt: string;
  timezone: string;
}

// The events the caller may scan at: an Admin any published event, an Organizer their own, and
// everyone the events an organizer made them a Scanner of (GET /api/v1/admission/grants).
async function doorEvents(userId: string, roles: string[]): Promise<DoorEvent[]> {
  const lists: Promise<DoorEvent[]>[] = [
    scannerGrants().then((page) =>
      page.items.map((g) => ({ id: g.eventId, name: g.eventName, startsAt: g.startsAt, timezone: g.timezone })),
    ),
  ];
  if (roles.includes("Admin")) {
    lists.push(getJson<Page<EventDoc>>("/api/v1/events?page=1&size=100").then((p) => p.items));
  } else if (roles.includes("Organizer")) {
    lists.push(
      getJson<Page<EventDoc>>(`/api/v1/events/organizer/${encodeURIComponent(userId)}?page=1&size=100`).then((p) =>
        p.items.filter((e) => e.status === "Published"),
      ),
    );
  }
  const seen = new Map<string, DoorEvent>();
  for (const list of await Promise.all(lists)) for (const event of list) seen.set(event.id, event);
  return [...seen.values()].sort((a, b) => a.startsAt.localeCompare(b.startsAt));
}

function EventChooser({ userId, roles }: { userId: string; roles: string[] }) {
  const [events, setEvents] = useState<DoorEvent[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    doorEvents(userId, roles).then(setEvents, setError);
  }, [userId]);
  return (
    <section>
      <PageTitle>{t("doorTitle")}</PageTitle>
      <p>{t("doorChoose")}</p>
      <p class="hint">{t("doorSecureContext")}</p>
      <ErrorMessage error={error} />
      {!events && !error && <p aria-live="polite">{t("loading")}</p>}
      {events?.length === 0 && <p>{t("doorNoEvents")}</p>}
      <ul class="door-events">
        {events?.map((event) => (
          <li key={event.id}>
            <a href={`/scan/${encodeURIComponent(event.id)}`}>{event.name}</a>{" "}
            <span class="hint">{formatDate(event.startsAt, event.timezone)}</span>
          </li>
        ))}
      </ul>
    </section>
  );
}

function VerdictPanel({ verdict, zone }: { verdict: Verdict | null; zone?: string }) {
  const ok = verdict?.outcome === "admitted";
  return (
    <div class={verdict ? (ok ? "verdict admit" : "verdict refuse") : "verdict"} role="alert" data-testid="verdict">
      {verdict && (
        <>
          <p class="verdict-word">{ok ? t("doorAdmit") : t("doorRefuse")}</p>
          <p class="verdict-reason">{t(`door_${verdict.outcome}`)}</p>
          {verdict.holderName && <p class="verdict-holder">{verdict.holderName}</p>}
          {verdict.categoryName && <p class="verdict-category">{verdict.categoryName}</p>}
          {verdict.outcome === "already-checked-in" &&
            (verdict.at ? (
              <p class="verdict-first">
                {t("doorFirstScan", { at: formatDate(verdict.at, zone), gate: verdict.gate || "?" })}
              </p>
            ) : (
              <p class="verdict-first">{t("doorFirstScanUnknown")}</p>
            ))}
          {verdict.detail && <p>{verdict.detail}</p>}
          {verdict.provisional && <p class="verdict-provisional">{t("doorProvisional")}</p>}
        </>
      )}
    </div>
  );
}

function SyncSummary({ report, cache }: { report: SyncReport; cache: DoorCache }) {
  const zone = cache.event?.timezone;
  const conflicts = report.results.filter((r) => r.result !== "admitted" || r.replacedScanAt);
  return (
    <div class="alert ok" role="status">
      <p>{t("doorSynced", { sent: report.sent, admitted: report.admitted, conflicts: report.conflicts })}</p>
      {conflicts.length > 0 && (
        <ul>
          {conflicts.map((r) => {
            const name = cache.tickets[r.ticketId]?.holderName ?? r.ticketId;
            const at = r.firstScannedAt ?? r.replacedScanAt;
            return (
              <li key={r.ticketId + r.result}>
                {t(`doorSync_${r.result}`, { name })}
                {at &&
                  ` ${t("doorFirstScan", { at: formatDate(at, zone), gate: r.firstGate ?? r.replacedGate ?? "?" })}`}
              </li>
            );
          })}
        </ul>
      )}
    </div>
  );
}

// `sessionLive`: false while the session waits for the connection (api/session.ts, offline): the
// door answers from its list and sends nothing until the session is renewed.
function Door({ userId, eventId, sessionLive }: { userId: string; eventId: string; sessionLive: boolean }) {
  const cache = useRef<DoorCache>(loadCache(userId, eventId));
  const [, setTick] = useState(0);
  const redraw = () => setTick((n) => n + 1);
  const online = useOnline();
  const [gate, setGate] = useState(() => localStorage.getItem(gateKey) || "main");
  const [input, setInput] = useState("");
  const [verdict, setVerdict] = useState<Verdict | null>(null);
  const [listError, setListError] = useState<string | null>(null);
  const [report, setReport] = useState<SyncReport | null>(null);
  const [syncError, setSyncError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // The camera's callback lives as long as the camera: it reads the gate and the busy flag
  // from these, not from the render that started it.
  const gateRef = useRef(gate);
  gateRef.current = gate;
  const busyRef = useRef(false);
  const [camera, setCamera] = useState<(() => void) | null>(null);
  // The camera's stop function for the unmount cleanup (which sees only the first render's state).
  const stopCamera = useRef<(() => void) | null>(null);
  const [cameraError, setCameraError] = useState<unknown>(null);
  const video = useRef<HTMLVideoElement>(null);
  const codeInput = useRef<HTMLInputElement>(null);
  const syncing = useRef(false);
  const liveRef = useRef(sessionLive);
  liveRef.current = sessionLive;

  // Offline scans first (the server decides who came first), then the list's changes.
  const catchUp = async () => {
    if (syncing.current) return;
    syncing.current = true;
    try {
      if (cache.current.queue.length > 0) {
        const result = await syncQueue(cache.current);
        if (result && "error" in result) setSyncError(result.error);
        else if (result) {
          setSyncError(null);
          setReport(result);
        }
      }
      const listed = await refreshList(cache.current);
      // 404 (or 403): the caller is not this event's Organizer, an Admin or one of its Scanners.
      if (typeof listed === "object")
        setListError(listed.status === 404 || listed.status === 403 ? t("doorMayNotScan") : listed.detail);
      else setListError(null);
    } finally {
      syncing.current = false;
      redraw();
    }
  };

  useEffect(() => {
    if (online && sessionLive) void catchUp();
  }, [online, sessionLive]);
  useEffect(() => {
    // A list a minute old at most while the connection holds.
    const timer = setInterval(() => navigator.onLine && liveRef.current && void catchUp(), 60_000);
    return () => {
      clearInterval(timer);
      stopCamera.current?.();
    };
  }, []);

  // fromCamera: no focus on the code field afterwards (on a phone it would open the keyboard
  // over the camera view).
  const check = async (text: string, fromCamera = false) => {
    if (!text.trim() || busyRef.current) return;
    busyRef.current = true;
    setBusy(true);
    try {
      setVerdict(await scan(cache.current, text, gateRef.current.trim() || "main", navigator.onLine));
      if (!fromCamera) setInput("");
    } finally {
      busyRef.current = false;
      setBusy(false);
      redraw();
      if (!fromCamera) codeInput.current?.focus();
    }
  };

  const toggleCamera = async () => {
    if (camera) {
      camera();
      stopCamera.current = null;
      setCamera(null);
      return;
    }
    setCameraError(null);
    try {
      const stop = await startCamera(video.current!, (text) => void check(text, true));
      stopCamera.current = stop;
      setCamera(() => stop);
    } catch (error) {
      setCameraError(error instanceof Error ? error.message : String(error));
    }
  };

  const event = cache.current.event;
  const zone = event?.timezone;
  const listed = Object.keys(cache.current.tickets).length;
  const waiting = cache.current.queue.length;
  return (
    <section class="door">
      <PageTitle>{event ? t("doorTitleFor", { name: event.name }) : t("doorTitle")}</PageTitle>
      <p class={online ? "door-line on" : "door-line off"} data-testid="door-connection">
        {online ? t("doorOnline") : t("doorOffline")}
      </p>
      <p class="door-line">
        {cache.current.listedAt
          ? t("doorListed", { count: listed, at: formatDate(cache.current.listedAt, zone) })
          : t("doorNoList")}
      </p>
      {listError && (
        <p class="alert error" role="alert">
          {listError} <a href="/scan">{t("doorOtherEvent")}</a>
        </p>
      )}
      <p class="door-line" data-testid="door-queue">
        {waiting > 0 ? t("doorWaiting", { count: waiting }) : t("doorNothingWaiting")}
        {waiting > 0 && online && (
          <>
            {" "}
            <button type="button" onClick={() => void catchUp()}>
              {t("doorSyncNow")}
            </button>
          </>
        )}
      </p>
      {syncError && (
        <p class="alert error" role="alert">
          {syncError}
        </p>
      )}
      {report && <SyncSummary report={report} cache={cache.current} />}

      <VerdictPanel verdict={verdict} zone={zone} />

      <form
        class="door-form"
        onSubmit={(e) => {
          e.preventDefault();
          void check(input);
        }}
      >
        <div class="field">
          <label for="door-code">{t("doorCode")}</label>
          <input
            id="door-code"
            ref={codeInput}
            value={input}
            autoComplete="off"
            autoCapitalize="characters"
            spellcheck={false}
            onInput={(e) => setInput(e.currentTarget.value)}
          />
        </div>
        <button type="submit" class="primary" disabled={busy}>
          {t("doorCheckIn")}
        </button>
      </form>

      <div class="door-camera">
        {cameraAvailable() ? (
          <button type="button" onClick={() => void toggleCamera()} aria-pressed={camera ? "true" : "false"}>
            {camera ? t("doorCameraStop") : t("doorCameraStart")}
          </button>
        ) : (
          <p class="hint">{t("doorSecureContext")}</p>
        )}
        {cameraError !== null && (
          <p class="alert error" role="alert">
            {t("doorCameraError", { detail: String(cameraError) })}
          </p>
        )}
        <video
          ref={video}
          class={camera ? "door-video" : "door-video hidden"}
          muted
          playsInline
          aria-label={t("doorCameraView")}
        />
      </div>

      <details class="door-settings">
        <summary>{t("doorSettings")}</summary>
        <div class="field">
          <label for="door-gate">{t("doorGate")}</label>
          <input
            id="door-gate"
            value={gate}
            maxLength={64}
            onInput={(e) => {
              setGate(e.currentTarget.value);
              localStorage.setItem(gateKey, e.currentTarget.value);
            }}
          />
        </div>
        <button
          type="button"
          disabled={waiting > 0}
          onClick={() => {
            forgetCache(userId, eventId);
            cache.current = loadCache(userId, eventId);
            setVerdict(null);
            redraw();
          }}
        >
          {t("doorForget")}
        </button>
      </details>
    </section>
  );
}

export function ScannerPage({ eventId }: { eventId?: string }) {
  // Each user has a cache of their own (scanner/cache.ts); a change of user is a new door.
  const { user, offline } = sessionState();
  if (!user) return null;
  return eventId ? (
    <Door key={`${user.id}/${eventId}`} userId={user.id} eventId={eventId} sessionLive={!offline} />
  ) : (
    <EventChooser userId={user.id} roles={user.roles} />
  );
}
